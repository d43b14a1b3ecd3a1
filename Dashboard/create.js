// "New issue": a form for POST /api/v1/issues, with each refusal shown next to its field.

import { ApiError, post } from './api.js';
import { h } from './dom.js';
import { stateTitle } from './format.js';
import { field, fieldOf, list, priorityOptions } from './fields.js';
import { state } from './store.js';
import { putIssue } from './sync.js';
import { toast } from './toasts.js';

const NAMES = ['project', 'title', 'description', 'priority', 'state', 'labels', 'blocked_by'];

export function mountCreate({ onCreated }) {
  const dialog = document.getElementById('create');
  document.getElementById('new-issue').addEventListener('click', () => open(dialog, onCreated));
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
}

function open(dialog, onCreated) {
  const fields = {
    project: field('project', 'Project', h('select', { required: true },
      state.projects.map((project) => h('option', { value: project.key }, `${project.name} (${project.key})`)))),
    title: field('title', 'Title', h('input', { type: 'text', required: true, autocomplete: 'off' })),
    description: field('description', 'Description', h('textarea', { rows: '4' })),
    priority: field('priority', 'Priority', h('select', {}, priorityOptions(null))),
    state: field('state', 'Column', h('select', {}), 'Where the card starts; the workflow’s first active state by default.'),
    labels: field('labels', 'Labels', h('input', { type: 'text', autocomplete: 'off' }), 'Separated by commas.'),
    blocked_by: field('blocked_by', 'Blocked by', h('input', { type: 'text', autocomplete: 'off' }), 'Issue identifiers, e.g. APP-3.'),
  };
  const preferred = state.filters.project || state.projects[0]?.key;
  if (preferred) fields.project.control.value = preferred;
  const fillStates = () => {
    const names = state.states.get(fields.project.control.value) ?? [];
    fields.state.control.replaceChildren(
      h('option', { value: '' }, 'Default'),
      ...names.map((name) => h('option', { value: name }, stateTitle(name))),
    );
  };
  fillStates();
  fields.project.control.addEventListener('change', fillStates);
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Create issue');
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('div', { class: 'modal-header' },
      h('h2', { id: 'create-title' }, 'New issue'),
      h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
    state.projects.length ? null : h('p', { class: 'form-error' }, 'There is no project yet: create one with maestro project create.'),
    NAMES.map((name) => fields[name]),
    formError,
    h('div', { class: 'form-actions' },
      h('button', { class: 'button', type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of NAMES) fields[name].showError('');
    formError.hidden = true;
    const body = {
      project: fields.project.control.value,
      title: fields.title.control.value,
      labels: list(fields.labels.control.value),
      blocked_by: list(fields.blocked_by.control.value),
    };
    const description = fields.description.control.value;
    if (description.trim()) body.description = description;
    if (fields.priority.control.value) body.priority = Number(fields.priority.control.value);
    if (fields.state.control.value) body.state = fields.state.control.value;
    if (!body.title.trim()) {
      fields.title.showError('An issue needs a title.');
      fields.title.control.focus();
      return;
    }
    submit.disabled = true;
    try {
      const issue = await post('/api/v1/issues', body);
      putIssue(issue);
      dialog.close();
      toast(`Created ${issue.identifier}: ${issue.title}`, 'success');
      onCreated?.(issue);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      const name = fieldOf(error, NAMES);
      if (name) {
        fields[name].showError(message);
        fields[name].control.focus();
      } else {
        formError.textContent = message;
        formError.hidden = false;
      }
    } finally {
      submit.disabled = false;
    }
  });
  dialog.replaceChildren(form);
  dialog.showModal();
  fields.title.control.focus();
}
