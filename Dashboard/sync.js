// Keeps the page's state equal to the daemon's: a full read over REST, then the stream's
// transitions and board changes applied as they arrive, each touched issue read again (coalesced)
// for the fields a transition does not carry (due time, block reason, last error, tokens).

import { ApiError, enc, get } from './api.js';
import { emit, sessionTokens, state } from './store.js';

/** Reads everything the board shows. Safe to call again: views update in place. */
export async function loadAll() {
  const [projects, issues, sessions, snapshot] = await Promise.all([
    get('/api/v1/projects'),
    get('/api/v1/issues'),
    get('/api/v1/sessions?limit=1000').catch(() => []),
    get('/api/v1/state').catch(() => null),
  ]);
  await loadStates(projects);
  state.projects = projects;
  const byIssue = new Map();
  for (const session of sessions) {
    if (!byIssue.has(session.issue)) byIssue.set(session.issue, []);
    byIssue.get(session.issue).push(session);
  }
  state.issues = new Map(issues.items.map((issue) => [issue.identifier, issue]));
  state.tokens = new Map([...byIssue].map(([identifier, list]) => [identifier, sessionTokens(list)]));
  if (snapshot) setSnapshot(snapshot);
  state.loaded = true;
  emit('projects');
  emit('issues', null);
}

async function loadStates(projects) {
  const lists = await Promise.all(projects.map((project) => get(`/api/v1/projects/${enc(project.key)}/states`).catch(() => [])));
  state.states = new Map(projects.map((project, index) => [project.key, lists[index]]));
}

export async function loadProjects() {
  const projects = await get('/api/v1/projects');
  await loadStates(projects);
  state.projects = projects;
  emit('projects');
}

export function setSnapshot(snapshot) {
  state.snapshot = snapshot;
  state.snapshotAt = Date.now();
  emit('snapshot', snapshot);
}

let snapshotTimer = 0;
let snapshotInFlight = false;
/** Reads /api/v1/state again soon; calls within `delay` coalesce. */
export function refreshSnapshot(delay = 300) {
  if (snapshotTimer) return;
  snapshotTimer = setTimeout(async () => {
    snapshotTimer = 0;
    if (snapshotInFlight) return;
    snapshotInFlight = true;
    try {
      setSnapshot(await get('/api/v1/state'));
    } catch {
      // The stream's state tells the user about an unreachable daemon.
    } finally {
      snapshotInFlight = false;
    }
  }, delay);
}

// Issues to read again, flushed together a moment after the first one is marked.
const dirty = new Set();
let flushTimer = 0;
const FULL_RELOAD_ABOVE = 150;

export function markDirty(identifier) {
  dirty.add(identifier);
  if (!flushTimer) flushTimer = setTimeout(flush, 120);
}

async function flush() {
  flushTimer = 0;
  const batch = [...dirty];
  dirty.clear();
  if (batch.length > FULL_RELOAD_ABOVE) {
    // A flood (a bulk import, a daemon catching up): one list read beats hundreds of details.
    await loadAll().catch(() => {});
    return;
  }
  const queue = [...batch];
  const workers = Array.from({ length: Math.min(4, queue.length) }, async () => {
    while (queue.length) await refreshIssue(queue.shift());
  });
  await Promise.all(workers);
}

/** Reads one issue's detail, updates the board's copy and hands the detail to the `detail` topic. */
export async function refreshIssue(identifier) {
  let detail;
  try {
    detail = await get(`/api/v1/issues/${enc(identifier)}`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'issue_not_found') {
      state.issues.delete(identifier);
      state.tokens.delete(identifier);
      emit('issues', new Set([identifier]));
      emit('detail', { identifier, detail: null, error });
    }
    return null;
  }
  putIssue(detail.issue);
  state.tokens.set(identifier, detail.tokens.total_tokens);
  emit('issues', new Set([identifier]));
  emit('detail', { identifier, detail });
  return detail;
}

/** Takes an issue object from an answer (a move, an edit, a create) unless ours is newer. */
export function putIssue(issue) {
  const known = state.issues.get(issue.identifier);
  if (known && known.lifecycle.version > issue.lifecycle.version && known.updated_at >= issue.updated_at) return;
  state.issues.set(issue.identifier, issue);
  emit('issues', new Set([issue.identifier]));
}

/** A committed transition: the card moves at once, the rest follows from a read. */
export function applyTransition(transition) {
  const issue = state.issues.get(transition.issue);
  if (issue && transition.version > issue.lifecycle.version) {
    issue.lifecycle = { ...issue.lifecycle, state: transition.to, attempt: transition.attempt, version: transition.version };
    emit('issues', new Set([issue.identifier]));
  }
  markDirty(transition.issue);
}

export function applyChange(change) {
  switch (change.kind) {
    case 'project_created':
    case 'project_updated':
    case 'project_deleted':
      loadProjects().catch(() => {});
      if (change.kind === 'project_deleted') loadAll().catch(() => {});
      break;
    case 'issue_deleted':
      state.issues.delete(change.issue);
      state.tokens.delete(change.issue);
      emit('issues', new Set([change.issue]));
      emit('detail', { identifier: change.issue, detail: null });
      break;
    case 'issue_moved': {
      // The column changes at once; the read that follows brings the rest.
      const issue = state.issues.get(change.issue);
      if (issue && change.details?.to) {
        issue.state = change.details.to;
        emit('issues', new Set([issue.identifier]));
      }
      markDirty(change.issue);
      break;
    }
    default:
      if (change.issue) markDirty(change.issue);
  }
}

/** The stream's `runtime` message: live runs, counters, the workflow's revision. */
export function applyRuntime(snapshot) {
  const previous = state.runtime;
  const touched = new Set(state.live.keys());
  state.live = new Map(snapshot.running.map((run) => [run.issue_identifier, run]));
  for (const key of state.live.keys()) touched.add(key);
  state.runtime = snapshot;
  emit('runtime', snapshot);
  emit('issues', touched);
  const workflowChanged = !previous
    || previous.workflow_revision !== snapshot.workflow_revision
    || previous.workflow_errors !== snapshot.workflow_errors;
  // Rate limits and the agents' time are not in the message: read them now and then.
  if (workflowChanged || Date.now() - state.snapshotAt > 5000) refreshSnapshot(workflowChanged ? 0 : 300);
}
