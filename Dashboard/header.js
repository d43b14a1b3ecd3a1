// The header: live counts, token and agent-time totals, rate limits, the workflow in force, the
// connection, and the banner for a rejected WORKFLOW.md edit. Text is updated in place into
// elements of fixed width, so nothing moves when numbers change.

import { h, setText } from './dom.js';
import { compact, count, duration, relative } from './format.js';
import { on, state } from './store.js';

const $ = (id) => document.getElementById(id);

export function mountHeader({ onRetry }) {
  on('runtime', render);
  on('snapshot', render);
  on('connection', renderConnection);
  $('offline-retry').addEventListener('click', onRetry);
  // Agent time grows while runs are live, and the reconnect countdown counts down.
  setInterval(() => {
    renderTime();
    if (state.connection.status === 'offline') renderConnection();
  }, 1000);
  render();
  renderConnection();
}

function render() {
  const snapshot = state.snapshot;
  const counts = state.runtime?.counts ?? snapshot?.counts;
  setText($('metric-running'), count(counts?.running));
  setText($('metric-retrying'), count(counts?.retrying));
  setText($('metric-blocked'), count(counts?.blocked));
  const totals = state.runtime?.codex_totals ?? snapshot?.codex_totals;
  const tokens = $('metric-tokens');
  setText(tokens, compact(totals?.total_tokens));
  tokens.title = totals ? `${count(totals.input_tokens)} in, ${count(totals.output_tokens)} out` : '';
  renderTime();
  renderRateLimits(snapshot?.rate_limits);
  renderWorkflow(snapshot?.workflow);
}

function renderTime() {
  const snapshot = state.snapshot;
  if (!snapshot) return setText($('metric-runtime'), '–');
  // The snapshot's total, plus the time live runs have run since it was read.
  const live = state.runtime?.counts?.running ?? snapshot.counts.running;
  const since = state.connection.status === 'live' ? (Date.now() - state.snapshotAt) / 1000 : 0;
  setText($('metric-runtime'), duration(snapshot.codex_totals.seconds_running + live * since));
}

function renderRateLimits(limits) {
  const node = $('metric-rate');
  const primary = limits?.primary;
  if (!primary || primary.used_percent === undefined || primary.used_percent === null) {
    setText(node, '–');
    node.title = limits ? 'The agent reported no usage window' : 'No rate limits reported yet';
    return;
  }
  setText(node, `${Math.round(primary.used_percent)}%`);
  const parts = [`${Math.round(primary.used_percent)}% of the ${windowName(primary.window_duration_minutes)} window used`];
  if (primary.resets_at) parts.push(`resets ${relative(primary.resets_at)}`);
  const secondary = limits.secondary;
  if (secondary?.used_percent !== undefined && secondary?.used_percent !== null) {
    parts.push(`${Math.round(secondary.used_percent)}% of the ${windowName(secondary.window_duration_minutes)} window`);
  }
  if (limits.rate_limit_reached_type) parts.push(`limit reached: ${limits.rate_limit_reached_type}`);
  node.title = parts.join('; ');
}

function windowName(minutes) {
  if (!minutes) return 'current';
  if (minutes % 1440 === 0) return `${minutes / 1440}-day`;
  if (minutes % 60 === 0) return `${minutes / 60}-hour`;
  return `${minutes}-minute`;
}

function renderWorkflow(workflow) {
  if (!workflow) return;
  setText($('workflow-path'), workflow.path);
  setText($('workflow-revision'), `revision ${workflow.revision}`);
  const banner = $('workflow-banner');
  const errors = workflow.last_reload_errors ?? [];
  banner.hidden = errors.length === 0;
  $('workflow-errors').replaceChildren(
    ...errors.map((diagnostic) =>
      h(
        'li',
        {},
        h('code', {}, `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`),
        ` ${diagnostic.message} `,
        h('span', { class: 'muted' }, `[${diagnostic.code}]`),
        diagnostic.hint ? h('span', { class: 'banner-hint' }, diagnostic.hint) : null,
      ),
    ),
  );
}

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Disconnected',
  unauthorized: 'Needs the API token',
  refused: 'Refused by the daemon',
};

function renderConnection() {
  const { status, retryAt, message } = state.connection;
  const box = $('connection');
  box.dataset.status = status;
  let text = LABELS[status] ?? status;
  if (status === 'offline' && retryAt) {
    const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    text = `Disconnected · retrying in ${seconds}s`;
  }
  setText($('connection-text'), text);
  box.title = message ?? '';
  const bar = $('offline-bar');
  const away = status === 'offline' || status === 'reconnecting' || status === 'refused';
  bar.hidden = !away || !state.loaded;
  if (away) {
    const detail = status === 'refused' ? message : 'The board shows the last known state and catches up when the daemon is back.';
    setText($('offline-text'), `Disconnected from the daemon. ${detail}`);
  }
  document.body.classList.toggle('is-offline', away);
}
