// An issue's story in a drawer (#issue/<identifier>): state and facts, the operator commands the
// lifecycle accepts now, what a blocked run asks, its sessions, the transition timeline, events,
// comments, and its fields edited in place (PATCH /api/v1/issues/{id}).

import { ApiError, enc, patch, post } from './api.js';
import { h, setAttr, setText } from './dom.js';
import { blockReason, compact, relative, stateTitle, when } from './format.js';
import { field, fieldOf, list, priorityOptions } from './fields.js';
import { on, state } from './store.js';
import { putIssue, refreshIssue } from './sync.js';
import { toast } from './toasts.js';
import { renderComments, renderEvents, renderFacts, renderRequests, renderSessions, renderTimeline } from './detail-sections.js';

const COMMANDS = ['retry', 'pause', 'resume', 'cancel'];
const EDITABLE = ['title', 'description', 'priority', 'labels', 'blocked_by'];

let dialog;
let current = null;
let view = null;
let latest = null;

export function mountDetail({ onMove }) {
  dialog = document.getElementById('detail');
  addEventListener('hashchange', route);
  dialog.addEventListener('close', () => {
    current = null;
    latest = null;
    if (location.hash.startsWith('#issue/')) history.replaceState(history.state, '', location.pathname + location.search);
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  on('detail', ({ identifier, detail }) => {
    if (identifier !== current) return;
    if (detail) show(detail, onMove);
    else gone(identifier);
  });
  on('runtime', () => {
    if (!latest) return;
    renderLive(latest);
    renderSessions(view.sessions, latest.sessions);
  });
  route();
}

function route() {
  const match = location.hash.match(/^#issue\/(.+)$/);
  if (!match) {
    if (dialog.open) dialog.close();
    return;
  }
  open(decodeURIComponent(match[1]));
}

export function open(identifier) {
  if (current !== identifier) {
    current = identifier;
    latest = null;
    view = build(identifier);
    dialog.replaceChildren(view.root);
  }
  if (!dialog.open) dialog.showModal();
  refreshIssue(identifier);
}

function section(title, ...children) {
  const heading = h('h3', { class: 'section-title' }, title);
  return h('section', { class: 'detail-section' }, heading, ...children);
}

function build(identifier) {
  const title = h('h2', { id: 'detail-title', class: 'drawer-title' }, identifier);
  const eyebrow = h('p', { class: 'eyebrow' }, identifier);
  const lifecycle = h('span', { class: 'chip chip-large' });
  const live = h('span', { class: 'card-live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), h('span', { class: 'live-text' }));
  const facts = h('dl', { class: 'facts' });
  const commands = h('div', { class: 'commands', role: 'group', 'aria-label': 'Operator commands' },
    COMMANDS.map((command) => h('button', { class: 'button', type: 'button', dataset: { command }, disabled: true,
      onclick: () => run(command) }, stateTitle(command))));
  const move = h('select', { class: 'move-select', 'aria-label': 'Column' });
  const requestList = h('div', { class: 'requests' });
  const requests = section('Waiting on you', requestList);
  requests.classList.add('detail-requests');
  requests.refs = { list: requestList };
  requests.hidden = true;
  const sessions = h('ol', { class: 'sessions' });
  const timeline = h('ol', { class: 'timeline' });
  const events = h('ol', { class: 'events' });
  const comments = h('ol', { class: 'comments' });
  const edit = buildEditForm();
  const root = h('div', { class: 'drawer-inner' },
    h('div', { class: 'drawer-header' },
      h('div', { class: 'drawer-heading' }, eyebrow, title),
      h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
    h('div', { class: 'drawer-body' },
      h('section', { class: 'detail-section detail-status' },
        h('div', { class: 'status-row' }, lifecycle, live,
          h('label', { class: 'move-field' }, h('span', { class: 'muted' }, 'Column'), move)),
        facts, commands),
      requests,
      section('Sessions', sessions),
      section('Timeline', timeline),
      section('Details', edit.form),
      section('Events', events),
      section('Comments', comments)));
  return { root, title, eyebrow, lifecycle, live, facts, commands, move, requests, sessions, timeline, events, comments, edit };
}

function show(detail, onMove) {
  latest = detail;
  const { issue } = detail;
  const lifecycle = issue.lifecycle;
  setText(view.title, issue.title);
  setText(view.eyebrow, `${issue.identifier} · ${issue.project} · ${issue.provider}`);
  setText(view.lifecycle, lifecycle.state);
  setAttr(view.lifecycle, 'data-lifecycle', lifecycle.state);
  renderLive(detail);
  renderMove(issue, onMove);
  const workspace = detail.workspace;
  renderFacts(view.facts, [
    ['Phase', lifecycle.phase],
    ['Attempt', String(lifecycle.attempt)],
    ['Tokens', `${compact(detail.tokens.total_tokens)} (${compact(detail.tokens.input_tokens)} in, ${compact(detail.tokens.output_tokens)} out)`],
    ['Retry due', lifecycle.due_at ? `${when(lifecycle.due_at)} (${relative(lifecycle.due_at)})` : '–'],
    ['Blocked', lifecycle.state === 'blocked' ? blockReason(lifecycle.block_reason) : '–'],
    ['Workspace', workspace ? h('code', { class: 'path' }, workspace.removed_at ? `${workspace.path} (removed)` : workspace.path) : '–'],
    ['Last error', lifecycle.last_error ? h('pre', { class: 'error-text' }, lifecycle.last_error) : '–'],
  ]);
  for (const button of view.commands.querySelectorAll('button')) {
    const allowed = detail.allowed_commands.includes(button.dataset.command);
    button.disabled = !allowed;
    setAttr(button, 'title', allowed ? null : `The lifecycle does not accept ${button.dataset.command} in ${lifecycle.state}`);
  }
  renderRequests(view.requests, issue.identifier, detail.pending_requests, () => refreshIssue(issue.identifier));
  renderSessions(view.sessions, detail.sessions);
  emptyNote(view.sessions, 'No agent has run yet.');
  renderTimeline(view.timeline, detail.transitions);
  emptyNote(view.timeline, 'No transition yet.');
  renderEvents(view.events, detail.recent_events);
  emptyNote(view.events, 'No runtime or hook event yet.');
  renderComments(view.comments, detail.comments);
  emptyNote(view.comments, 'No comments.');
  view.edit.fill(issue);
}

/** "agent running" while a session of the issue is live (its record says so; the feed adds the detail). */
function renderLive(detail) {
  const live = detail.sessions.some((session) => session.live);
  const run = live ? state.live.get(detail.issue.identifier) : undefined;
  setAttr(view.live, 'data-live', live ? 'true' : null);
  setText(view.live.lastChild, live ? (run?.waiting_on_operator ? 'waiting on you' : 'agent running') : '');
}

function emptyNote(list, text) {
  let note = list.nextElementSibling;
  if (!note?.classList.contains('empty-note')) {
    note = h('p', { class: 'empty-note muted' }, text);
    list.after(note);
  }
  note.hidden = list.children.length > 0;
}

function gone(identifier) {
  setText(view.title, `${identifier} no longer exists`);
  view.commands.querySelectorAll('button').forEach((button) => { button.disabled = true; });
}

function renderMove(issue, onMove) {
  const names = state.states.get(issue.project) ?? [issue.state];
  const key = JSON.stringify(names);
  if (view.move.dataset.key !== key) {
    view.move.dataset.key = key;
    view.move.replaceChildren(...names.map((name) => h('option', { value: name }, stateTitle(name))));
    view.move.onchange = () => onMove(current, view.move.value, () => { view.move.value = state.issues.get(current)?.state ?? ''; });
  }
  if (view.move.value !== issue.state) view.move.value = issue.state;
}

async function run(command) {
  const identifier = current;
  const button = view.commands.querySelector(`[data-command="${command}"]`);
  button.disabled = true;
  try {
    const verdict = await post(`/api/v1/issues/${enc(identifier)}/${command}`);
    if (verdict.status === 'applied') {
      const { from, to } = verdict.transition;
      toast(`${identifier}: ${command} applied (${from} → ${to}).`, 'success');
    } else {
      toast(`${identifier}: ${command} queued; no daemon has applied it yet.`, 'info');
    }
  } catch (error) {
    toast(`${identifier}: ${command} refused: ${error instanceof ApiError ? error.message : error}`, 'error');
  } finally {
    refreshIssue(identifier);
  }
}

// MARK: - Editing

function buildEditForm() {
  const fields = {
    title: field('title', 'Title', h('input', { type: 'text', autocomplete: 'off' })),
    description: field('description', 'Description', h('textarea', { rows: '4' })),
    priority: field('priority', 'Priority', h('select', {}, priorityOptions(null))),
    labels: field('labels', 'Labels', h('input', { type: 'text', autocomplete: 'off' }), 'Separated by commas.'),
    blocked_by: field('blocked_by', 'Blocked by', h('input', { type: 'text', autocomplete: 'off' }), 'Issue identifiers, separated by commas.'),
  };
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'button button-primary', type: 'submit', disabled: true }, 'Save changes');
  const reset = h('button', { class: 'button', type: 'button', disabled: true }, 'Discard');
  const form = h('form', { class: 'form form-inline-edit', novalidate: true }, EDITABLE.map((name) => fields[name]), formError,
    h('div', { class: 'form-actions' }, reset, save));
  // What the fields showed when last filled: a field still equal to it is not being edited, so
  // an update from the daemon may replace it.
  let baseline = {};
  let issue = null;
  const values = () => Object.fromEntries(EDITABLE.map((name) => [name, fields[name].control.value]));
  const dirty = () => EDITABLE.some((name) => fields[name].control.value !== baseline[name]);
  const refresh = () => {
    save.disabled = !dirty();
    reset.disabled = save.disabled;
  };
  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  reset.addEventListener('click', () => {
    baseline = {};
    fill(issue);
  });
  function fill(next) {
    issue = next;
    const shown = {
      title: next.title,
      description: next.description ?? '',
      priority: next.priority ? String(next.priority) : '',
      labels: next.labels.join(', '),
      blocked_by: next.blocked_by.map((blocker) => blocker.identifier ?? blocker.id).join(', '),
    };
    for (const name of EDITABLE) {
      const control = fields[name].control;
      if (baseline[name] === undefined || control.value === baseline[name]) {
        control.value = shown[name];
        fields[name].showError('');
      }
    }
    baseline = shown;
    refresh();
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of EDITABLE) fields[name].showError('');
    formError.hidden = true;
    const now = values();
    const changes = {};
    if (now.title !== baseline.title) changes.title = now.title;
    if (now.description !== baseline.description) changes.description = now.description;
    if (now.priority !== baseline.priority) {
      if (now.priority) changes.priority = Number(now.priority);
      else changes.clear_priority = true;
    }
    diff(list(baseline.labels), list(now.labels), changes, 'labels');
    diff(list(baseline.blocked_by), list(now.blocked_by), changes, 'blockers');
    save.disabled = true;
    try {
      const updated = await patch(`/api/v1/issues/${enc(issue.identifier)}`, changes);
      baseline = values();
      putIssue(updated);
      fill(updated);
      toast(`Saved ${updated.identifier}.`, 'success');
      refreshIssue(updated.identifier);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      const name = fieldOf(error, EDITABLE);
      if (name) {
        fields[name].showError(message);
        fields[name].control.focus();
      } else {
        formError.textContent = message;
        formError.hidden = false;
      }
      refresh();
    }
  });
  return { form, fill };
}

function diff(before, after, changes, noun) {
  const added = after.filter((item) => !before.includes(item));
  const removed = before.filter((item) => !after.includes(item));
  if (added.length) changes[`add_${noun}`] = added;
  if (removed.length) changes[`remove_${noun}`] = removed;
}
