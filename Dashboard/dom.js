// DOM helpers. Every string from the daemon reaches the page as text (textContent, text nodes,
// attribute values), never as markup.

/** An element with attributes, listeners (`onclick`) and children; strings become text nodes. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in PROPERTIES) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

const PROPERTIES = { value: true, checked: true, disabled: true, selected: true };

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Sets text only when it changed, so live updates do not churn the DOM. */
export function setText(node, text) {
  const value = text ?? '';
  if (node.textContent !== value) node.textContent = value;
}

export function setAttr(node, name, value) {
  if (value === null || value === undefined || value === false) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else {
    const text = value === true ? '' : String(value);
    if (node.getAttribute(name) !== text) node.setAttribute(name, text);
  }
}

/**
 * Makes `parent`'s children the elements of `items`, in order, reusing the element made earlier
 * for the same key (so focus, scroll and typed text survive an update) and moving only what moved.
 */
export function reconcile(parent, items, key, create, update) {
  const cache = parent.keyedChildren ?? (parent.keyedChildren = new Map());
  const wanted = new Set();
  items.forEach((item, index) => {
    const id = key(item);
    wanted.add(id);
    let node = cache.get(id);
    if (!node) {
      node = create(item);
      cache.set(id, node);
    }
    update(node, item);
    const current = parent.children[index];
    if (current !== node) parent.insertBefore(node, current ?? null);
  });
  for (const [id, node] of cache) {
    if (!wanted.has(id)) {
      node.remove();
      cache.delete(id);
    }
  }
}

let nextId = 0;
/** A fresh id for label and description links. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
