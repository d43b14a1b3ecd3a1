// The dashboard's entry point: mounts the views, opens the stream, reads the state over REST once
// the stream says where it starts (or without it, when the stream cannot connect), and applies
// what the stream sends from then on.

import { ApiError, adoptTokenFromLocation, enc, post, setToken } from './api.js';
import { h } from './dom.js';
import { columns, emit, state } from './store.js';
import { applyChange, applyRuntime, applyTransition, loadAll, putIssue, refreshSnapshot } from './sync.js';
import { connectStream } from './live.js';
import { mountHeader } from './header.js';
import { cardOf, mountBoard } from './board.js';
import { enableDragAndDrop } from './dnd.js';
import { mountMoveMenu, openMoveMenu } from './menu.js';
import { mountFilters } from './filters.js';
import { load as loadDiagram, mountDiagram } from './diagram.js';
import { mountCreate } from './create.js';
import { mountDetail } from './detail.js';
import { toast } from './toasts.js';

// How long the first load waits for the stream's hello before reading without it.
const HELLO_WAIT_MS = 1500;

adoptTokenFromLocation();
// The page's state, for a look from the browser's console (and the browser test's messages).
globalThis.maestroDashboard = { state, emit };

let loading = null;
let buffered = [];
let stream = null;

function setConnection(status) {
  state.connection = { retryAt: 0, message: '', ...status };
  emit('connection', state.connection);
  if (status.status === 'unauthorized') askForToken(status.message);
}

async function reload() {
  if (loading) return loading;
  loading = (async () => {
    try {
      await loadAll();
      document.getElementById('board-status').classList.remove('is-error');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) askForToken(error.message);
      const status = document.getElementById('board-status');
      status.textContent = `The board could not be read: ${error.message}`;
      status.classList.add('is-error');
      status.classList.remove('visually-hidden');
    } finally {
      loading = null;
      const pending = buffered;
      buffered = [];
      pending.forEach(apply);
    }
    loadDiagram();
  })();
  return loading;
}

function apply(message) {
  if (loading) {
    buffered.push(message);
    return;
  }
  switch (message.type) {
    case 'transition':
      applyTransition(message.transition);
      break;
    case 'change':
      applyChange(message.change);
      break;
    case 'runtime':
      applyRuntime(message.snapshot);
      break;
    default:
      break;
  }
}

/** Moves a card through the tracker; a refusal is said out loud and the card stays where it is. */
async function move(identifier, to, onRefused) {
  const card = cardOf(identifier);
  card?.setAttribute('aria-busy', 'true');
  try {
    const issue = await post(`/api/v1/issues/${enc(identifier)}/move`, { state: to });
    putIssue(issue);
    toast(`Moved ${identifier} to ${to}.`, 'success');
  } catch (error) {
    toast(`${identifier} was not moved to ${to}: ${error.message}`, 'error');
    onRefused?.();
  } finally {
    card?.removeAttribute('aria-busy');
  }
}

function askForToken(message) {
  let dialog = document.getElementById('token-dialog');
  if (dialog?.open) return;
  const input = h('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: true });
  const form = h('form', { class: 'form', method: 'dialog' },
    h('h2', { id: 'token-title' }, 'This daemon needs its API token'),
    h('p', {}, 'Enter the bearer token set with server.auth_token or MAESTRO_API_TOKEN. The page keeps it for this tab only.'),
    message ? h('p', { class: 'muted' }, `The daemon said: ${message}`) : null,
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'token-input' }, 'Token'), input),
    h('div', { class: 'form-actions' }, h('button', { class: 'button button-primary', type: 'submit' }, 'Connect')));
  form.addEventListener('submit', () => {
    setToken(input.value.trim());
    stream?.retryNow();
    reload();
  });
  if (!dialog) {
    dialog = h('dialog', { class: 'modal', id: 'token-dialog', 'aria-labelledby': 'token-title' });
    document.body.append(dialog);
  }
  dialog.replaceChildren(form);
  dialog.showModal();
}

function boot() {
  mountHeader({ onRetry: () => stream?.retryNow() });
  mountBoard();
  mountFilters();
  mountDiagram();
  mountMoveMenu();
  mountCreate({
    onCreated: (issue) => requestAnimationFrame(() => {
      const card = cardOf(issue.identifier);
      card?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      card?.classList.add('is-new');
    }),
  });
  mountDetail({ onMove: move });
  const columnsHost = document.getElementById('columns');
  enableDragAndDrop(columnsHost, (identifier, _from, to) => move(identifier, to));
  columnsHost.addEventListener('click', (event) => {
    const button = event.target.closest('[data-move]');
    if (!button) return;
    const identifier = button.dataset.move;
    const issue = state.issues.get(identifier);
    openMoveMenu(button, identifier, columns(), issue?.state, async (to) => {
      await move(identifier, to);
      // Keyboard users keep their place: focus follows the card to its new column.
      requestAnimationFrame(() => cardOf(identifier)?.querySelector('[data-move]')?.focus());
    });
  });

  let helloSeen = false;
  stream = connectStream({
    onStatus: setConnection,
    onHello: (_seq, resumed) => {
      helloSeen = true;
      // A fresh stream starts at the end of the log: read the state now, apply what follows.
      // A resumed one misses nothing, so only the snapshot's extras are read again.
      if (!resumed || !state.loaded) reload();
      else refreshSnapshot(0);
    },
    onMessage: apply,
  });
  setTimeout(() => {
    if (!helloSeen && !state.loaded) reload();
  }, HELLO_WAIT_MS);
}

boot();
