// The page's state: a cache of what the daemon said, and topics views subscribe to.
//
// Topics: `issues` (a Set of changed identifiers, or null for all), `projects`, `runtime` (the
// live runs and counters), `snapshot` (the full /api/v1/state), `filters`, `connection`, and
// `detail` (an issue detail fetched for someone).

export const state = {
  projects: [],
  /** Project key → its tracker states in board order. */
  states: new Map(),
  /** Identifier → issue (the API's issue object). */
  issues: new Map(),
  /** Identifier → total tokens over its runs, when known. */
  tokens: new Map(),
  /** Identifier → its live run from the `runtime` stream message. */
  live: new Map(),
  /** The latest `runtime` message's snapshot. */
  runtime: null,
  /** The latest GET /api/v1/state, and when it was read. */
  snapshot: null,
  snapshotAt: 0,
  filters: { project: '', label: '', lifecycle: '', search: '' },
  connection: { status: 'connecting', retryAt: 0, message: '' },
  loaded: false,
};

const listeners = new Map();

export function on(topic, listener) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(listener);
  return () => listeners.get(topic).delete(listener);
}

export function emit(topic, payload) {
  for (const listener of listeners.get(topic) ?? []) {
    try {
      listener(payload);
    } catch (error) {
      // One broken view must not stop the others; the console shows it.
      console.error(error);
    }
  }
}

export function setFilters(changes) {
  Object.assign(state.filters, changes);
  emit('filters', state.filters);
}

/** Whether `issue` passes every filter but `skip` (the lifecycle counts ignore their own filter). */
export function matches(issue, skip = '') {
  const { project, label, lifecycle, search } = state.filters;
  if (!issue.visible) return false;
  if (project && issue.project !== project) return false;
  if (skip !== 'lifecycle' && lifecycle && issue.lifecycle.state !== lifecycle) return false;
  if (skip !== 'label' && label && !issue.labels.includes(label)) return false;
  if (skip !== 'search' && search) {
    const needle = search.trim().toLowerCase();
    const haystack = [issue.identifier, issue.title, ...issue.labels].join(' ').toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

/** Dispatch order, as the API lists issues: priority 1…4 (none last), oldest, identifier. */
export function dispatchOrder(a, b) {
  const pa = a.priority ?? 9;
  const pb = b.priority ?? 9;
  if (pa !== pb) return pa - pb;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0;
}

/** The board's columns: the states of the filtered project, or of every project in order. */
export function columns() {
  const keys = state.filters.project ? [state.filters.project] : state.projects.map((project) => project.key);
  const names = [];
  const seen = new Set();
  for (const key of keys) {
    for (const name of state.states.get(key) ?? []) {
      const normal = normalState(name);
      if (!seen.has(normal)) {
        seen.add(normal);
        names.push(name);
      }
    }
  }
  return names;
}

/** Tracker states compare trimmed and lowercased, as the daemon compares them. */
export function normalState(name) {
  return (name ?? '').trim().toLowerCase();
}

/** Total tokens of a thread-deduplicated list of sessions (each Codex thread counted once). */
export function sessionTokens(sessions) {
  const byThread = new Map();
  let loose = 0;
  for (const session of sessions) {
    const total = session.tokens?.total_tokens ?? 0;
    if (session.thread_id) byThread.set(session.thread_id, Math.max(byThread.get(session.thread_id) ?? 0, total));
    else loose += total;
  }
  let sum = loose;
  for (const value of byThread.values()) sum += value;
  return sum;
}
