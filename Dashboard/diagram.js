// The lifecycle as maestro draws it (GET /api/v1/graph?format=svg), inlined so its states can be
// clicked and their badges kept live. The counts are the lifecycle chips' (the issues the other
// filters let through); the drawing is fetched again when the workflow's revision changes.

import { getText } from './api.js';
import { h, setAttr, setText } from './dom.js';
import { on, setFilters, state } from './store.js';
import { lifecycleCounts } from './filters.js';

let host;
let revision = null;
let frame = 0;
let sheet = null;
const OPEN_KEY = 'maestro.diagram.open';

export function mountDiagram() {
  host = document.getElementById('diagram-host');
  on('issues', schedule);
  on('filters', schedule);
  on('projects', schedule);
  on('runtime', (runtime) => {
    if (runtime.workflow_revision !== revision) load();
  });
  on('snapshot', (snapshot) => {
    if (snapshot.workflow.revision !== revision) load();
  });
  host.addEventListener('click', (event) => {
    const group = event.target.closest('[data-state]');
    if (!group) return;
    const name = group.dataset.state;
    setFilters({ lifecycle: state.filters.lifecycle === name ? '' : name });
    document.getElementById('board').scrollIntoView({ block: 'start', behavior: 'smooth' });
  });
  // Closed by default (the chips carry the same counts); a reader who opens it keeps it open.
  const details = document.getElementById('diagram');
  details.open = localStorage.getItem(OPEN_KEY) === 'true';
  details.addEventListener('toggle', () => localStorage.setItem(OPEN_KEY, String(details.open)));
}

let loading = null;
export async function load() {
  const wanted = state.runtime?.workflow_revision ?? state.snapshot?.workflow.revision ?? null;
  if (loading) return loading;
  loading = (async () => {
    try {
      const text = await getText('/api/v1/graph?format=svg&view=overview', 'image/svg+xml');
      // The drawing's own <style> (its dark colours) becomes a constructed sheet: the page's
      // policy allows no inline style, and even parsing one would be refused.
      const style = text.match(/<style>([\s\S]*?)<\/style>/);
      if (style) adoptStyle(style[1]);
      const markup = style ? text.replace(style[0], '') : text;
      const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml').documentElement;
      if (parsed.nodeName !== 'svg') throw new Error('not an SVG');
      const svg = document.importNode(parsed, true);
      // The chips are the accessible way to filter; the drawing is for the eye and the mouse.
      svg.setAttribute('aria-hidden', 'true');
      svg.removeAttribute('role');
      svg.setAttribute('focusable', 'false');
      for (const group of svg.querySelectorAll('[data-state]')) group.classList.add('is-clickable');
      host.replaceChildren(svg);
      revision = wanted;
      render();
    } catch (error) {
      host.replaceChildren(h('p', { class: 'muted' }, `The lifecycle drawing could not be loaded: ${error.message}`));
    } finally {
      loading = null;
    }
  })();
  return loading;
}

function adoptStyle(text) {
  if (sheet?.text === text) return;
  const next = new CSSStyleSheet();
  next.replaceSync(text);
  next.text = text;
  document.adoptedStyleSheets = [...document.adoptedStyleSheets.filter((existing) => existing !== sheet), next];
  sheet = next;
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  const counts = lifecycleCounts();
  for (const group of host.querySelectorAll('svg [data-state]')) {
    const name = group.dataset.state;
    const value = counts[name] ?? 0;
    setAttr(group, 'data-count', value);
    group.classList.toggle('is-selected', state.filters.lifecycle === name);
    const title = group.querySelector(':scope > title');
    if (title) setText(title, `${name}: ${value} issue${value === 1 ? '' : 's'}`);
    const badge = group.querySelector('.ml-badge');
    if (badge) updateBadge(badge, value);
  }
}

/** The count's pill keeps its right edge and grows to the left with more digits. */
function updateBadge(badge, value) {
  const rect = badge.querySelector('rect');
  const text = badge.querySelector('text');
  const digits = String(value);
  if (text.textContent === digits) return;
  const width = Math.max(22, digits.length * 7.5 + 12);
  const right = Number(rect.getAttribute('x')) + Number(rect.getAttribute('width'));
  rect.setAttribute('x', String(right - width));
  rect.setAttribute('width', String(width));
  text.setAttribute('x', String(right - width / 2));
  text.textContent = digits;
  badge.classList.toggle('ml-zero', value === 0);
}
