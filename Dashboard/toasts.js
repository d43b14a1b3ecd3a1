// Short notices in a corner: what a command did, why the daemon refused it. Errors are announced
// at once (role="alert") and stay longer.

import { h } from './dom.js';

export function toast(message, tone = 'info') {
  const host = document.getElementById('toasts');
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss' }, '×');
  const node = h(
    'div',
    { class: 'toast', dataset: { tone }, role: tone === 'error' ? 'alert' : 'status' },
    h('p', { class: 'toast-text' }, message),
    close,
  );
  const dismiss = () => node.remove();
  close.addEventListener('click', dismiss);
  host.append(node);
  setTimeout(dismiss, tone === 'error' ? 12000 : 5000);
  return node;
}
