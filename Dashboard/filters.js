// The filters: project, label, a text search, and the lifecycle chips with their live counts
// (a chip, like a state of the diagram, filters the board to that lifecycle state).

import { h, reconcile, setAttr, setText } from './dom.js';
import { LIFECYCLE } from './format.js';
import { matches, on, setFilters, state } from './store.js';

const $ = (id) => document.getElementById(id);
let frame = 0;

export function mountFilters() {
  const project = $('filter-project');
  const label = $('filter-label');
  const search = $('filter-search');
  project.addEventListener('change', () => setFilters({ project: project.value }));
  label.addEventListener('change', () => setFilters({ label: label.value }));
  search.addEventListener('input', () => setFilters({ search: search.value }));
  on('projects', schedule);
  on('issues', schedule);
  on('filters', schedule);
  renderChips();
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  renderOptions($('filter-project'), state.projects.map((project) => [project.key, `${project.name} (${project.key})`]), 'All projects',
    state.filters.project);
  const labels = new Set();
  for (const issue of state.issues.values()) if (issue.visible) for (const label of issue.labels) labels.add(label);
  if (state.filters.label) labels.add(state.filters.label);
  renderOptions($('filter-label'), [...labels].sort().map((label) => [label, label]), 'Any label', state.filters.label);
  renderChips();
}

function renderOptions(select, entries, none, current) {
  const wanted = [['', none], ...entries];
  const key = JSON.stringify(wanted);
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(...wanted.map(([value, text]) => h('option', { value }, text)));
  }
  if (select.value !== current) select.value = current;
}

/** Lifecycle counts of the issues the other filters let through. */
export function lifecycleCounts() {
  const counts = Object.fromEntries(LIFECYCLE.map((name) => [name, 0]));
  for (const issue of state.issues.values()) {
    if (matches(issue, 'lifecycle')) counts[issue.lifecycle.state] = (counts[issue.lifecycle.state] ?? 0) + 1;
  }
  return counts;
}

function renderChips() {
  const counts = lifecycleCounts();
  const total = Object.values(counts).reduce((sum, value) => sum + value, 0);
  const chips = [{ name: '', text: 'All', count: total }, ...LIFECYCLE.map((name) => ({ name, text: name, count: counts[name] }))];
  reconcile($('lifecycle-chips'), chips, (chip) => chip.name, createChip, updateChip);
}

function createChip(chip) {
  const count = h('span', { class: 'lifecycle-count' });
  const button = h('button', {
    class: 'lifecycle-chip', type: 'button', dataset: { lifecycle: chip.name },
    onclick: () => setFilters({ lifecycle: state.filters.lifecycle === chip.name ? '' : chip.name }),
  }, h('span', { class: 'lifecycle-name' }, chip.text), count);
  button.refs = { count };
  return h('li', {}, button);
}

function updateChip(item, chip) {
  const button = item.firstChild;
  setText(button.refs.count, String(chip.count));
  setAttr(button, 'aria-pressed', String(state.filters.lifecycle === chip.name));
  setAttr(button, 'data-empty', chip.count === 0 && chip.name ? 'true' : null);
}
