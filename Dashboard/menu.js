// The keyboard way to move a card: its "⇄" button opens a menu of the other columns. Arrow keys
// move through the menu, Enter picks, Escape closes and returns focus to the button.

import { h } from './dom.js';
import { stateTitle } from './format.js';

let menu;
let opener = null;
let choose = null;

export function mountMoveMenu() {
  menu = document.getElementById('move-menu');
  menu.addEventListener('keydown', (event) => {
    const items = [...menu.querySelectorAll('[role="menuitem"]')];
    const index = items.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      items[event.key === 'Home' ? 0 : items.length - 1]?.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'Tab') {
      close(false);
    }
  });
  menu.addEventListener('toggle', (event) => {
    if (event.newState === 'closed') {
      opener?.setAttribute('aria-expanded', 'false');
      opener = null;
    }
  });
}

/**
 * Opens the menu under `button` listing `columns` but `current`; `onChoose(state)` gets the pick.
 */
export function openMoveMenu(button, identifier, columns, current, onChoose) {
  if (opener === button) return close(true);
  close(false);
  opener = button;
  choose = onChoose;
  menu.setAttribute('aria-label', `Move ${identifier} to`);
  menu.replaceChildren(
    h('p', { class: 'menu-heading', 'aria-hidden': 'true' }, `Move ${identifier} to`),
    ...columns.filter((name) => name !== current).map((name) =>
      h('button', {
        class: 'menu-item', type: 'button', role: 'menuitem', tabindex: '-1', dataset: { state: name },
        onclick: () => pick(name),
      }, stateTitle(name))),
  );
  menu.showPopover();
  const box = button.getBoundingClientRect();
  const width = menu.offsetWidth;
  const left = Math.min(Math.max(8, box.right - width), innerWidth - width - 8);
  const below = box.bottom + 4 + menu.offsetHeight < innerHeight;
  menu.style.left = `${left}px`;
  menu.style.top = `${below ? box.bottom + 4 : Math.max(8, box.top - menu.offsetHeight - 4)}px`;
  button.setAttribute('aria-expanded', 'true');
  menu.querySelector('[role="menuitem"]')?.focus();
}

function pick(name) {
  const callback = choose;
  close(false);
  callback?.(name);
}

function close(restoreFocus) {
  const button = opener;
  if (menu.matches(':popover-open')) menu.hidePopover();
  if (restoreFocus) button?.focus();
}
