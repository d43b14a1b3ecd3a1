// The board: a column per tracker state, cards in dispatch order, updated in place. Renders are
// batched to one per animation frame however many updates arrive.

import { h, setAttr, setText } from './dom.js';
import { stateTitle } from './format.js';
import { columns, dispatchOrder, matches, normalState, on, state } from './store.js';
import { createCard, tickCountdowns, updateCard } from './card.js';

const cards = new Map();
const columnNodes = new Map();
let host;
let status;
let frame = 0;

export function mountBoard() {
  host = document.getElementById('columns');
  status = document.getElementById('board-status');
  on('issues', schedule);
  on('projects', schedule);
  on('filters', schedule);
  // The snapshot names what blocked runs ask.
  on('snapshot', schedule);
  setInterval(() => tickCountdowns(host), 1000);
}

/** The card element of an issue, if it is on the board now. */
export function cardOf(identifier) {
  const card = cards.get(identifier);
  return card?.isConnected ? card : null;
}

function schedule() {
  // Every render reconciles the whole board (cheap: text is set only when it changed), so the
  // updates of one frame need no bookkeeping.
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  if (!state.loaded) return;
  const names = columns();
  const byColumn = new Map(names.map((name) => [normalState(name), []]));
  const strays = [];
  for (const issue of state.issues.values()) {
    if (!matches(issue)) continue;
    const list = byColumn.get(normalState(issue.state));
    if (list) list.push(issue);
    else strays.push(issue);
  }
  // Issues in a state the workflow no longer has still show, in a column of their own.
  const strayNames = [...new Set(strays.map((issue) => issue.state))];
  for (const name of strayNames) byColumn.set(normalState(name), strays.filter((issue) => issue.state === name));
  const all = [...names, ...strayNames];
  placeColumns(all, new Set(strayNames));
  let shown = 0;
  for (const name of all) {
    const issues = byColumn.get(normalState(name)).sort(dispatchOrder);
    shown += issues.length;
    fillColumn(columnNodes.get(normalState(name)), issues);
  }
  for (const [id, card] of cards) {
    if (!state.issues.has(id)) {
      cards.delete(id);
      card.remove();
    }
  }
  const total = [...state.issues.values()].filter((issue) => issue.visible).length;
  setText(status, boardStatus(shown, total, all.length));
  status.classList.toggle('visually-hidden', total > 0 && shown > 0);
  if (!document.body.dataset.boardReady) {
    // The next frame starts after this one painted: that is when the board is on screen.
    requestAnimationFrame(() => {
      performance.mark('board-rendered');
      document.body.dataset.boardReady = 'true';
    });
  }
}

function boardStatus(shown, total, columnCount) {
  if (!state.projects.length) return 'No projects yet. Create one with `maestro project create "My app" --key APP`.';
  if (!columnCount) return 'The workflow has no tracker states for this project.';
  if (!total) return 'No issues yet. Create one with “New issue”.';
  if (!shown) return 'No issue matches the filters.';
  return `${shown} of ${total} issues shown.`;
}

function placeColumns(names, strays) {
  const wanted = names.map(normalState);
  for (const [key, node] of columnNodes) {
    if (!wanted.includes(key)) {
      node.remove();
      columnNodes.delete(key);
    }
  }
  names.forEach((name, index) => {
    const key = normalState(name);
    let node = columnNodes.get(key);
    if (!node) {
      node = createColumn(name);
      columnNodes.set(key, node);
    }
    setAttr(node, 'data-stray', strays.has(name) ? 'true' : null);
    if (host.children[index] !== node) host.insertBefore(node, host.children[index] ?? null);
  });
}

function createColumn(name) {
  const titleId = `column-${normalState(name).replace(/[^a-z0-9]+/g, '-')}`;
  const count = h('span', { class: 'column-count' });
  const list = h('ol', { class: 'column-cards', 'aria-labelledby': titleId });
  const empty = h('p', { class: 'column-empty' }, 'No issues');
  const node = h(
    'section',
    { class: 'column', dataset: { column: name } },
    h('h2', { class: 'column-title', id: titleId }, h('span', { class: 'column-name' }, stateTitle(name)), count),
    list,
    empty,
  );
  node.refs = { count, list, empty };
  return node;
}

function fillColumn(column, issues) {
  const { list, count, empty } = column.refs;
  setText(count, String(issues.length));
  setAttr(count, 'aria-label', `${issues.length} issue${issues.length === 1 ? '' : 's'}`);
  empty.hidden = issues.length > 0;
  issues.forEach((issue, index) => {
    let card = cards.get(issue.identifier);
    if (!card) {
      card = createCard(issue);
      cards.set(issue.identifier, card);
    }
    updateCard(card, issue);
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] ?? null);
  });
  // What is left after the wanted cards moved elsewhere or is filtered out.
  while (list.children.length > issues.length) list.lastElementChild.remove();
}
