// A minimal stand-in for `document` that records exactly how the page would be changed and refuses any
// HTML parsing, so DOM-building code can be tested in Node. Not a test file itself (no `.test.js`).

export const HTML_NS = 'http://www.w3.org/1999/xhtml';
export const SVG_NS = 'http://www.w3.org/2000/svg';

export class FakeNode {
  constructor(doc) {
    this.ownerDocument = doc;
    this.childNodes = [];
    this.parentNode = null;
  }
  appendChild(child) {
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  removeChild(child) {
    this.childNodes = this.childNodes.filter((node) => node !== child);
    child.parentNode = null;
    return child;
  }
  get firstChild() {
    return this.childNodes[0] ?? null;
  }
  get textContent() {
    return this.childNodes.map((node) => node.textContent).join('');
  }
  set textContent(value) {
    this.childNodes = [];
    if (value !== '') this.appendChild(new FakeText(this.ownerDocument, String(value)));
  }
}

export class FakeText extends FakeNode {
  constructor(doc, data) {
    super(doc);
    this.data = data;
  }
  get textContent() {
    return this.data;
  }
}

export class FakeElement extends FakeNode {
  constructor(doc, tagName, namespaceURI) {
    super(doc);
    this.tagName = tagName;
    this.namespaceURI = namespaceURI;
    this.attributes = new Map();
    this.listeners = new Map();
    this.style = {}; // set property by property from script, as the content security policy allows
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }
  addEventListener(type, listener) {
    this.listeners.set(type, listener);
  }
  get children() {
    return this.childNodes.filter((node) => node instanceof FakeElement);
  }
  set innerHTML(_) {
    throw new Error('innerHTML must never be used');
  }
  insertAdjacentHTML() {
    throw new Error('insertAdjacentHTML must never be used');
  }
  /** Every element below (depth first), this one included. */
  *walk() {
    yield this;
    for (const child of this.children) yield* child.walk();
  }
  find(tagName) {
    return [...this.walk()].filter((element) => element.tagName === tagName);
  }
  having(attribute) {
    return [...this.walk()].filter((element) => element.attributes.has(attribute));
  }
}

export const fakeDocument = {
  createElement(tagName) {
    return new FakeElement(this, tagName, HTML_NS);
  },
  createElementNS(namespace, tagName) {
    return new FakeElement(this, tagName, namespace);
  },
  createTextNode(data) {
    return new FakeText(this, data);
  },
};
