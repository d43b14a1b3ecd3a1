// The parts of an issue's story in the detail view: what it waits on (with the answer box), its
// agent sessions, the transition timeline, runtime and hook events, and comments. Each list is
// keyed, so an update adds what is new and keeps what the reader is looking at (or typing).

import { ApiError, enc, post } from './api.js';
import { h, reconcile, setAttr, setText, uid } from './dom.js';
import { compact, count, when } from './format.js';
import { state } from './store.js';
import { toast } from './toasts.js';

// MARK: - Requests

export function renderRequests(section, issue, requests, onAnswered) {
  section.hidden = requests.length === 0;
  reconcile(section.refs.list, requests, (request) => request.id, (request) => createRequest(issue, request, onAnswered), updateRequest);
}

function createRequest(issue, request, onAnswered) {
  const details = h('div', { class: 'request-details' });
  const errorId = uid('answer-error');
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const control = request.accepts.length
    ? h('fieldset', { class: 'answer-choices', 'aria-describedby': errorId },
      h('legend', { class: 'field-label' }, 'Your answer'),
      request.accepts.map((choice, index) =>
        h('label', { class: 'choice' },
          h('input', { type: 'radio', name: `answer-${request.id}`, value: choice, checked: index === 0 }), choice)))
    : h('div', { class: 'field' },
      h('label', { class: 'field-label', for: `answer-${request.id}` }, 'Your answer'),
      h('textarea', { id: `answer-${request.id}`, class: 'answer-text', rows: '2', 'aria-describedby': errorId }));
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Send answer');
  const form = h('form', { class: 'answer-form' }, control, error, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const picked = form.querySelector('input[type="radio"]:checked')?.value;
    const answer = picked ?? form.querySelector('textarea').value.trim();
    error.hidden = true;
    if (!answer) {
      showAnswerError(form, error, 'Write an answer first.');
      return;
    }
    submit.disabled = true;
    try {
      const verdict = await post(`/api/v1/issues/${enc(issue)}/answer`, { answer, request_id: request.id });
      toast(verdict.status === 'applied' ? `Answer sent to ${issue}.` : `Answer queued for ${issue}: no daemon has applied it yet.`, 'success');
      onAnswered();
    } catch (failure) {
      showAnswerError(form, error, failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      submit.disabled = false;
    }
  });
  const node = h('article', { class: 'request', dataset: { request: request.id } },
    h('p', { class: 'request-meta' }, h('span', { class: 'request-kind' }), h('span', { class: 'request-when' })),
    h('p', { class: 'request-summary' }),
    details,
    form);
  node.refs = { details };
  return node;
}

function showAnswerError(form, error, message) {
  error.textContent = message;
  error.hidden = false;
  const control = form.querySelector('textarea, input');
  control?.setAttribute('aria-invalid', 'true');
  control?.focus();
}

function updateRequest(node, request) {
  setText(node.querySelector('.request-kind'), { question: 'Question', approval: 'Approval', elicitation: 'Request for input' }[request.kind] ?? request.kind);
  setText(node.querySelector('.request-when'), ` · asked ${when(request.created_at)}`);
  setText(node.querySelector('.request-summary'), request.summary);
  const key = JSON.stringify(request.detail);
  if (node.refs.details.dataset.key === key) return;
  node.refs.details.dataset.key = key;
  const { questions, command, reason } = request.detail;
  // A question's summary repeats its questions, which are shown in full below.
  node.querySelector('.request-summary').hidden = questions.length > 0;
  node.refs.details.replaceChildren(...[
    ...questions.map((question) =>
      h('div', { class: 'question' },
        question.header ? h('p', { class: 'question-header' }, question.header) : null,
        h('p', { class: 'question-text' }, question.question),
        question.options.length ? h('ul', { class: 'question-options' }, question.options.map((option) => h('li', {}, option))) : null)),
    command ? h('pre', { class: 'code-block' }, command) : null,
    reason ? h('p', { class: 'request-reason' }, reason) : null,
  ].filter(Boolean));
}

// MARK: - Sessions

export function renderSessions(list, sessions) {
  const ordered = [...sessions].sort((a, b) => b.id - a.id);
  reconcile(list, ordered, (session) => session.id, createSession, updateSession);
}

function createSession() {
  const node = h('li', { class: 'session' },
    h('div', { class: 'session-head' },
      h('span', { class: 'session-name' }),
      h('span', { class: 'card-live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), h('span', { class: 'live-text' }))),
    h('dl', { class: 'facts facts-inline' }),
    h('blockquote', { class: 'session-message' }));
  return node;
}

function updateSession(node, session) {
  // Once a session ended, its own record is the truth; the live feed may lag behind it.
  const run = session.live ? [...state.live.values()].find((live) => String(live.session_id) === String(session.id)) : undefined;
  const turns = run?.turn_count ?? session.turn_count;
  const tokens = run?.tokens ?? session.tokens;
  const message = run?.last_message ?? session.last_message;
  setText(node.querySelector('.session-name'), `Session ${session.id} · ${session.phase}`);
  setAttr(node, 'data-live', session.live || run ? 'true' : null);
  setText(node.querySelector('.live-text'), run ? (run.waiting_on_operator ? 'waiting' : 'live') : session.live ? 'live' : '');
  const facts = [
    ['Started', when(session.started_at)],
    ['Ended', session.ended_at ? when(session.ended_at) : '–'],
    ['Turns', count(turns)],
    ['Tokens', `${compact(tokens.total_tokens)} (${compact(tokens.input_tokens)} in, ${compact(tokens.output_tokens)} out)`],
    ['Outcome', session.outcome ?? (session.live ? 'running' : '–')],
  ];
  if (run) facts.push(['Last event', run.last_event ?? '–']);
  renderFacts(node.querySelector('dl'), facts);
  const quote = node.querySelector('.session-message');
  setText(quote, message ?? 'No message from the agent yet.');
  setAttr(quote, 'data-empty', message ? null : 'true');
}

// MARK: - Timeline

export function renderTimeline(list, transitions) {
  reconcile(list, transitions, (transition) => transition.seq, createTransition, () => {});
}

function createTransition(transition) {
  const details = Object.entries(transition.details ?? {});
  return h('li', { class: 'transition', dataset: { seq: transition.seq, to: transition.to } },
    h('div', { class: 'transition-head' },
      h('span', { class: 'transition-states' },
        h('span', { class: 'chip', dataset: { lifecycle: transition.from } }, transition.from), ' → ',
        h('span', { class: 'chip', dataset: { lifecycle: transition.to } }, transition.to)),
      h('time', { class: 'transition-when', datetime: transition.at }, when(transition.at))),
    h('p', { class: 'transition-event' }, h('code', {}, transition.event),
      transition.attempt ? h('span', { class: 'muted' }, ` · attempt ${transition.attempt}`) : null),
    tokens('Guards', transition.guards),
    tokens('Effects', transition.effects),
    details.length
      ? h('dl', { class: 'transition-details' }, details.map(([key, value]) => [h('dt', {}, key), h('dd', {}, value)]))
      : null);
}

function tokens(title, values) {
  if (!values?.length) return null;
  return h('p', { class: 'transition-tokens' }, h('span', { class: 'muted' }, `${title}: `), values.map((value) => h('code', { class: 'token' }, value)));
}

// MARK: - Events and comments

export function renderEvents(list, events) {
  const ordered = [...events].sort((a, b) => b.id - a.id);
  reconcile(list, ordered, (event) => event.id, (event) =>
    h('li', { class: 'event' },
      h('div', { class: 'event-head' }, h('code', { class: 'event-kind' }, event.kind), h('time', { datetime: event.at }, when(event.at))),
      h('pre', { class: 'event-message' }, event.message)), () => {});
}

export function renderComments(list, comments) {
  reconcile(list, comments, (comment) => comment.id, (comment) =>
    h('li', { class: 'comment' },
      h('p', { class: 'comment-head' }, h('strong', {}, comment.author), h('span', { class: 'muted' }, ` · ${when(comment.created_at)}`)),
      h('p', { class: 'comment-body' }, comment.body)), () => {});
}

/** A definition list of [term, value] pairs: rebuilt when the terms change, else updated in place. */
export function renderFacts(dl, facts) {
  const terms = facts.map(([term]) => term).join('\n');
  if (dl.dataset.terms !== terms) {
    dl.dataset.terms = terms;
    dl.replaceChildren(...facts.flatMap(([term]) => [h('dt', {}, term), h('dd', {})]));
  }
  facts.forEach(([, value], index) => {
    const dd = dl.children[index * 2 + 1];
    if (value instanceof Node) {
      if (dd.firstChild?.textContent !== value.textContent || dd.firstChild?.className !== value.className) dd.replaceChildren(value);
    } else setText(dd, value);
  });
}
