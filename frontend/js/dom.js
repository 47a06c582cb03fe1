// Tiny DOM helpers. Every piece of text goes in as a text node and every attribute through setAttribute,
// so data from the API can never become markup. Nothing touches `document` until a helper is called.

const SVG_NS = 'http://www.w3.org/2000/svg';
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden']);

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child) append(parent, item);
    return;
  }
  if (typeof child === 'string' || typeof child === 'number') {
    parent.appendChild(parent.ownerDocument.createTextNode(String(child)));
    return;
  }
  parent.appendChild(child);
}

function applyAttributes(element, attrs, isSvg) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (!isSvg && PROPERTIES.has(name)) {
      element[name] = value;
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
}

/** An HTML element: h('p', {class: 'x'}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  applyAttributes(element, attrs, false);
  append(element, children);
  return element;
}

/** An SVG element, built the same way (attributes, text nodes, children). */
export function s(tag, attrs, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttributes(element, attrs, true);
  append(element, children);
  return element;
}

/** Remove every child of an element. */
export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
  return element;
}

/** Replace an element's children. */
export function replace(element, ...children) {
  clear(element);
  append(element, children);
  return element;
}

/** Set an element's text (as text) and show it, or hide it when the text is empty. */
export function showText(element, text) {
  element.textContent = text || '';
  element.hidden = !text;
}

// A link from the API (presigned S3 URLs) as an href: only http(s), so no `javascript:` can slip in.
export function safeHttpUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element;
}
