// How values read on the page: numbers, durations, times and state names.

const NUMBER = new Intl.NumberFormat(undefined);

export function count(value) {
  return value === null || value === undefined ? '–' : NUMBER.format(value);
}

/** 1234 → "1.2k", 3400000 → "3.4M". */
export function compact(value) {
  if (value === null || value === undefined) return '–';
  const abs = Math.abs(value);
  if (abs < 1000) return String(value);
  if (abs < 1e6) return `${trim(value / 1e3)}k`;
  if (abs < 1e9) return `${trim(value / 1e6)}M`;
  return `${trim(value / 1e9)}B`;
}

function trim(value) {
  return value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
}

/** Seconds as "45s", "4m 05s", "2h 07m". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "in 25s" or "3m ago" from now. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const seconds = (Date.parse(iso) - now) / 1000;
  if (Math.abs(seconds) < 1) return 'now';
  return seconds > 0 ? `in ${duration(seconds)}` : `${duration(-seconds)} ago`;
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export function clock(iso) {
  return iso ? TIME.format(new Date(iso)) : '–';
}

/** Today's times without the date, older ones with it. */
export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? TIME.format(date) : DATE_TIME.format(date);
}

/** A tracker state as a column title: "in_progress" → "In progress"; "In Progress" stays. */
export function stateTitle(name) {
  if (!name) return '';
  const spaced = name.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export const PRIORITIES = { 1: 'Urgent', 2: 'High', 3: 'Medium', 4: 'Low' };

export function priority(value) {
  return PRIORITIES[value] ?? 'No priority';
}

const REASONS = {
  input_required: 'waiting for an answer',
  paused: 'paused',
  retries_exhausted: 'retries exhausted',
  review_undecided: 'review undecided',
  budget_exhausted: 'budget exhausted',
};

export function blockReason(reason) {
  return REASONS[reason] ?? (reason ? reason.replace(/_/g, ' ') : 'blocked');
}

/** The lifecycle states in the order the machine draws them. */
export const LIFECYCLE = ['queued', 'workspace', 'running', 'review', 'done', 'retrying', 'blocked', 'released', 'closed'];
