// One issue's card. Every card has the same rows, each of a fixed height, so a card that starts
// running, retries or blocks changes text, not size.

import { enc } from './api.js';
import { h, setAttr, setText } from './dom.js';
import { blockReason, compact, priority, relative } from './format.js';
import { state } from './store.js';

export function createCard(issue) {
  const id = issue.identifier;
  const refs = {
    identifier: h('span', { class: 'card-id' }),
    priority: h('span', { class: 'card-priority' }),
    live: h('span', { class: 'card-live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), h('span', { class: 'live-text' })),
    move: h('button', {
      class: 'card-move', type: 'button', 'aria-haspopup': 'menu', dataset: { move: id },
    }, h('span', { 'aria-hidden': 'true' }, '⇄')),
    link: h('a', { class: 'card-link', href: `#issue/${enc(id)}`, draggable: 'false' }),
    lifecycle: h('span', { class: 'chip' }),
    attempt: h('span', { class: 'card-attempt' }),
    tokens: h('span', { class: 'card-tokens' }),
    tags: h('p', { class: 'card-tags' }),
    activity: h('p', { class: 'card-activity' }),
  };
  // The title comes first in the document (read first, focused before the move button); CSS
  // shows the identifier row above it.
  const card = h(
    'li',
    { class: 'card', dataset: { id } },
    h('h3', { class: 'card-title' }, refs.link),
    h('div', { class: 'card-top' }, refs.identifier, refs.priority, refs.live, refs.move),
    h('div', { class: 'card-meta' }, refs.lifecycle, refs.attempt, refs.tokens),
    refs.tags,
    refs.activity,
  );
  card.refs = refs;
  return card;
}

export function updateCard(card, issue) {
  const { refs } = card;
  const id = issue.identifier;
  const lifecycle = issue.lifecycle;
  const run = state.live.get(id);
  setAttr(card, 'data-lifecycle', lifecycle.state);
  setAttr(card, 'data-state', issue.state);
  setAttr(card, 'data-live', run ? 'true' : null);
  setText(refs.identifier, id);
  setText(refs.priority, issue.priority ? `P${issue.priority}` : '');
  setAttr(refs.priority, 'title', priority(issue.priority));
  setAttr(refs.priority, 'data-priority', issue.priority ?? null);
  setText(refs.live.lastChild, run ? (run.waiting_on_operator ? 'waiting' : 'live') : '');
  setAttr(refs.move, 'aria-label', `Move ${id} to another column`);
  setText(refs.link, issue.title);
  setText(refs.lifecycle, lifecycle.state);
  setAttr(refs.lifecycle, 'data-lifecycle', lifecycle.state);
  setText(refs.attempt, lifecycle.attempt > 0 ? `attempt ${lifecycle.attempt}` : '');
  const tokens = run?.tokens?.total_tokens ?? state.tokens.get(id);
  setText(refs.tokens, tokens ? `${compact(tokens)} tokens` : '');
  renderTags(refs.tags, issue);
  renderActivity(refs.activity, issue, run);
}

function renderTags(node, issue) {
  const key = JSON.stringify([issue.labels, issue.blocked_by]);
  if (node.dataset.key === key) return;
  node.dataset.key = key;
  node.replaceChildren(
    ...issue.labels.map((label) => h('span', { class: 'tag', title: label }, label)),
    ...issue.blocked_by.map((blocker) =>
      h('span', { class: 'tag tag-blocker', title: `Blocked by ${blocker.identifier ?? blocker.id} (${blocker.state ?? 'unknown'})` },
        `⊘ ${blocker.identifier ?? blocker.id ?? '?'}`)),
  );
}

/** One line on what is happening: the agent's words, the retry's due time, why it is blocked. */
function renderActivity(node, issue, run) {
  const lifecycle = issue.lifecycle;
  let text = '';
  let tone = '';
  const asked = state.snapshot?.blocked?.find((row) => row.issue_identifier === issue.identifier)?.requests?.[0];
  if (run && !run.waiting_on_operator) {
    text = run.last_message ?? (run.last_event ? `Working · ${run.last_event}` : 'Starting…');
    tone = 'live';
  } else if (asked) {
    text = `Asks: ${asked.summary}`;
    tone = 'bad';
  } else if (run) {
    text = 'Waiting for an operator';
    tone = 'bad';
  } else if (lifecycle.state === 'retrying') {
    text = `Retry ${relative(lifecycle.due_at)}${lifecycle.last_error ? ` · ${lifecycle.last_error}` : ''}`;
    tone = 'warn';
  } else if (lifecycle.state === 'blocked') {
    text = `Blocked: ${blockReason(lifecycle.block_reason)}${lifecycle.last_error ? ` · ${lifecycle.last_error}` : ''}`;
    tone = 'bad';
  } else if (lifecycle.last_error && lifecycle.state !== 'closed') {
    text = lifecycle.last_error;
    tone = 'bad';
  }
  setText(node, text);
  setAttr(node, 'data-tone', tone || null);
  setAttr(node, 'title', text || null);
  setAttr(node, 'data-due', lifecycle.state === 'retrying' && !run ? lifecycle.due_at : null);
}

/** Refreshes the "Retry in 12s" countdowns. */
export function tickCountdowns(root) {
  for (const node of root.querySelectorAll('.card-activity[data-due]')) {
    const card = node.closest('.card');
    const issue = state.issues.get(card?.dataset.id);
    if (issue) renderActivity(node, issue, state.live.get(issue.identifier));
  }
}
