// Dragging cards between columns with pointer events: the mouse drags after a few pixels, a
// finger after a short press (so a swipe still scrolls the board). HTML5 drag and drop is not
// used: touch browsers do not fire it, and WebDriver cannot drive it.

const MOUSE_THRESHOLD = 6;
const TOUCH_HOLD_MS = 350;
const EDGE = 48;

/**
 * @param {HTMLElement} board  the element holding the columns
 * @param {(identifier: string, from: string, to: string) => void} onDrop
 */
export function enableDragAndDrop(board, onDrop) {
  let drag = null;

  board.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || !event.isPrimary || drag) return;
    const card = event.target.closest('.card');
    if (!card || event.target.closest('button, input, select, textarea')) return;
    drag = {
      card, pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, x: event.clientX, y: event.clientY,
      from: card.closest('.column')?.dataset.column, started: false, timer: 0, ghost: null, target: null,
      offsetX: 0, offsetY: 0, touch: event.pointerType !== 'mouse',
    };
    if (drag.touch) drag.timer = setTimeout(() => drag && start(), TOUCH_HOLD_MS);
    // A mouse press on a card starts no text selection (the click still opens the card).
    else event.preventDefault();
  });

  addEventListener('pointermove', (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    drag.x = event.clientX;
    drag.y = event.clientY;
    const moved = Math.hypot(drag.x - drag.startX, drag.y - drag.startY);
    if (!drag.started) {
      if (drag.touch && moved > MOUSE_THRESHOLD) cancel();
      else if (!drag.touch && moved > MOUSE_THRESHOLD) start();
      return;
    }
    event.preventDefault();
    follow();
  });

  addEventListener('pointerup', (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const { started, target, from, card } = drag;
    finish();
    if (started && target && target !== from) onDrop(card.dataset.id, from, target);
  });

  addEventListener('pointercancel', (event) => {
    if (drag && event.pointerId === drag.pointerId) cancel();
  });

  addEventListener('keydown', (event) => {
    if (drag?.started && event.key === 'Escape') cancel();
  });

  // A finger that holds a card must not scroll the page while it drags.
  addEventListener('touchmove', (event) => {
    if (drag?.started) event.preventDefault();
  }, { passive: false });

  // The click that ends a drag must not open the card.
  board.addEventListener('click', (event) => {
    if (board.dataset.justDragged) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  function start() {
    const { card } = drag;
    const box = card.getBoundingClientRect();
    drag.started = true;
    drag.offsetX = drag.startX - box.left;
    drag.offsetY = drag.startY - box.top;
    const ghost = card.cloneNode(true);
    ghost.classList.add('drag-ghost');
    ghost.removeAttribute('data-id');
    ghost.setAttribute('aria-hidden', 'true');
    ghost.style.width = `${box.width}px`;
    document.body.append(ghost);
    drag.ghost = ghost;
    card.classList.add('is-dragging');
    document.body.classList.add('is-dragging');
    follow();
  }

  function follow() {
    const { ghost, x, y } = drag;
    ghost.style.transform = `translate(${x - drag.offsetX}px, ${y - drag.offsetY}px) rotate(1.5deg)`;
    const column = document.elementFromPoint(x, y)?.closest('.column');
    const target = column?.dataset.column ?? null;
    if (target !== drag.target) {
      board.querySelector('.column.is-drop-target')?.classList.remove('is-drop-target');
      if (column && target !== drag.from) column.classList.add('is-drop-target');
      drag.target = target;
    }
    // Near the board's left or right edge, scroll it so far columns can be reached.
    const box = board.getBoundingClientRect();
    if (x < box.left + EDGE) board.scrollLeft -= 16;
    else if (x > box.right - EDGE) board.scrollLeft += 16;
  }

  function finish() {
    if (!drag) return;
    clearTimeout(drag.timer);
    if (drag.started) {
      drag.ghost?.remove();
      drag.card.classList.remove('is-dragging');
      document.body.classList.remove('is-dragging');
      board.querySelector('.column.is-drop-target')?.classList.remove('is-drop-target');
      board.dataset.justDragged = 'true';
      setTimeout(() => delete board.dataset.justDragged, 0);
    }
    drag = null;
  }

  function cancel() {
    if (drag) drag.target = null;
    finish();
  }
}
