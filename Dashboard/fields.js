// Form fields with a label, a hint and an error slot, and the mapping of the API's refusals to
// the field they are about (the envelope's code first, then the words of its message).

import { h, uid } from './dom.js';
import { PRIORITIES } from './format.js';

/** A labelled control; `field.error(message)` shows a refusal next to it. */
export function field(name, label, control, hint) {
  const controlId = uid(`field-${name}`);
  const errorId = `${controlId}-error`;
  const hintId = hint ? `${controlId}-hint` : null;
  control.id = controlId;
  control.name = name;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const node = h(
    'div',
    { class: 'field', dataset: { field: name } },
    h('label', { class: 'field-label', for: controlId }, label),
    control,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    error,
  );
  node.control = control;
  node.showError = (message) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  return node;
}

export function priorityOptions(current) {
  return [
    h('option', { value: '', selected: !current }, 'No priority'),
    ...Object.entries(PRIORITIES).map(([value, text]) =>
      h('option', { value, selected: String(current ?? '') === value }, `${value} · ${text}`)),
  ];
}

/** "a, b ,c" → ["a", "b", "c"]. */
export function list(text) {
  return text.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
}

/**
 * The field a refusal is about, among `names`, or '' for the form as a whole.
 * @param {{code: string, message: string}} error
 */
export function fieldOf(error, names) {
  const message = (error.message ?? '').toLowerCase();
  const byCode = {
    invalid_state: 'state', project_not_found: 'project', blocker_cycle: 'blocked_by', issue_not_found: 'blocked_by',
    invalid_answer: 'answer', not_awaiting_answer: 'answer', request_not_found: 'answer',
  };
  const candidates = [];
  if (byCode[error.code]) candidates.push(byCode[error.code]);
  // A decoding refusal names the key: "`priority` must be an integer".
  const quoted = message.match(/`([a-z_]+)/);
  if (quoted) candidates.push(quoted[1]);
  const words = [
    ['title', 'title'], ['priority', 'priority'], ['description', 'description'], ['label', 'labels'],
    ['block', 'blocked_by'], ['project', 'project'], ['state', 'state'], ['answer', 'answer'],
  ];
  for (const [word, name] of words) if (message.includes(word)) candidates.push(name);
  const aliases = { blockers: 'blocked_by', add_blockers: 'blocked_by', remove_blockers: 'blocked_by', add_labels: 'labels', remove_labels: 'labels' };
  for (const candidate of candidates) {
    const name = aliases[candidate] ?? candidate;
    if (names.includes(name)) return name;
  }
  return '';
}
