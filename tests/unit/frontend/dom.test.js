// The DOM helpers and the charts, built against a minimal stand-in for `document` that records exactly how
// the page would be changed (and refuses any HTML parsing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { barChart, uploadsChart } from '../../../frontend/js/charts.js';
import { clear, h, replace, s, safeHttpUrl, showText } from '../../../frontend/js/dom.js';
import { FakeText, SVG_NS, fakeDocument } from './fake-document.js';

before(() => {
  globalThis.document = fakeDocument;
});
after(() => {
  delete globalThis.document;
});

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('h', () => {
  it('puts text in as text nodes, never as markup', () => {
    const element = h('td', { class: 'td' }, HOSTILE);
    assert.equal(element.childNodes.length, 1);
    assert.ok(element.childNodes[0] instanceof FakeText);
    assert.equal(element.textContent, HOSTILE);
    assert.equal(element.find('img').length, 0);
  });

  it('sets attributes with setAttribute and skips empty ones', () => {
    const element = h('a', { href: 'https://example.com/r?a=1&b=2', title: HOSTILE, download: true, hidden: false, id: null });
    assert.equal(element.getAttribute('href'), 'https://example.com/r?a=1&b=2');
    assert.equal(element.getAttribute('title'), HOSTILE);
    assert.equal(element.getAttribute('download'), '');
    assert.equal(element.getAttribute('id'), null);
  });

  it('sets form properties as properties and wires event listeners', () => {
    const onClick = () => {};
    const element = h('button', { type: 'button', disabled: true, onClick });
    assert.equal(element.disabled, true);
    assert.equal(element.listeners.get('click'), onClick);
  });

  it('flattens children and skips null, undefined and false', () => {
    const element = h('p', {}, 'a', [h('b', {}, 'b'), ['c', null]], undefined, false, 3);
    assert.equal(element.textContent, 'abc3');
    assert.equal(element.childNodes.length, 4);
  });

  it('builds SVG in the SVG namespace', () => {
    const element = s('svg', { viewBox: '0 0 10 10' }, s('title', {}, 'x'));
    assert.equal(element.namespaceURI, SVG_NS);
    assert.equal(element.children[0].namespaceURI, SVG_NS);
    assert.equal(element.getAttribute('viewBox'), '0 0 10 10');
  });

  it('empties, replaces and shows text', () => {
    const element = h('ul', {}, h('li', {}, 'one'), h('li', {}, 'two'));
    replace(element, h('li', {}, 'three'));
    assert.equal(element.textContent, 'three');
    clear(element);
    assert.equal(element.childNodes.length, 0);
    const alert = h('p', {});
    showText(alert, 'Cannot reach the server.');
    assert.equal(alert.hidden, false);
    assert.equal(alert.textContent, 'Cannot reach the server.');
    showText(alert, '');
    assert.equal(alert.hidden, true);
  });
});

describe('barChart', () => {
  const items = [
    { label: 'Webinar', value: 1500 },
    { label: HOSTILE, value: 3 },
    { label: 'Not set', value: 52, kind: 'blank' },
  ];
  const chart = barChart('Leads by source', items);
  const svg = chart.find('svg')[0];

  it('is an image named by its title with a summary of the numbers', () => {
    assert.equal(svg.getAttribute('role'), 'img');
    assert.equal(svg.children[0].tagName, 'title');
    assert.equal(svg.children[0].textContent, `Leads by source: Webinar: 1,500 leads, ${HOSTILE}: 3 leads, Not set: 52 leads.`);
  });

  it('draws one bar per item, each with a hover title', () => {
    const groups = svg.children.filter((child) => child.tagName === 'g');
    assert.equal(groups.length, 3);
    assert.deepEqual(
      groups.map((group) => group.children[0].textContent),
      ['Webinar: 1,500 leads', `${HOSTILE}: 3 leads`, 'Not set: 52 leads'],
    );
    const rects = svg.find('rect');
    assert.equal(rects.length, 3);
    assert.ok(Number(rects[0].getAttribute('width')) > Number(rects[2].getAttribute('width')));
    assert.match(rects[2].getAttribute('class'), /slate/); // "Not set" is grey
  });

  it('repeats the numbers as a list for screen readers', () => {
    const list = chart.find('ul')[0];
    assert.match(list.getAttribute('class'), /sr-only/);
    assert.deepEqual(
      list.children.map((item) => item.textContent),
      ['Webinar: 1,500 leads', `${HOSTILE}: 3 leads`, 'Not set: 52 leads'],
    );
    assert.equal(chart.find('img').length, 0);
  });

  it('says "No data yet" without items', () => {
    const empty = barChart('Leads by source', []);
    assert.equal(empty.textContent, 'No data yet');
    assert.equal(empty.find('svg').length, 0);
  });
});

describe('uploadsChart', () => {
  const uploads = [
    { uploadId: 'u2', fileName: 'expo.xlsx', created: 11, updated: 1, rejected: 1, failed: 0, cancelled: 0 },
    { uploadId: 'u1', fileName: 'big.csv', created: 500, updated: 0, rejected: 0, failed: 0, cancelled: 1000 },
  ];
  const chart = uploadsChart(uploads);
  const svg = chart.find('svg')[0];

  it('stacks a segment per non-zero count, each titled with its number', () => {
    const groups = svg.children.filter((child) => child.tagName === 'g');
    assert.equal(groups.length, 2);
    const segmentTitles = groups[0].find('rect').map((rect) => rect.children[0].textContent);
    assert.deepEqual(segmentTitles, ['expo.xlsx — New: 11 rows', 'expo.xlsx — Merged: 1 row', 'expo.xlsx — Rejected: 1 row']);
    assert.equal(groups[1].find('rect').length, 2);
  });

  it('gives every upload in words, cancelled rows too', () => {
    const items = chart.find('ul')[0].children.map((item) => item.textContent);
    assert.deepEqual(items, [
      'expo.xlsx: 11 new, 1 merged, 1 rejected, 0 failed',
      'big.csv: 500 new, 0 merged, 0 rejected, 0 failed, 1,000 cancelled',
    ]);
  });
});

describe('safeHttpUrl', () => {
  it('keeps http and https links', () => {
    assert.equal(safeHttpUrl('https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1'), 'https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1');
    assert.equal(safeHttpUrl('http://127.0.0.1:5000/b/k'), 'http://127.0.0.1:5000/b/k');
  });

  it('refuses every other scheme and what is no URL', () => {
    for (const value of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'JaVaScRiPt:alert(1)', '/relative', '', null, undefined]) {
      assert.equal(safeHttpUrl(value), '', String(value));
    }
  });
});
