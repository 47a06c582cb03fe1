// How an undo shows on an upload's row (the uploads list and the import history), built against the
// stand-in for `document`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { renderUndo, setBadge, statusBadge, undoPart } from '../../../frontend/js/upload-parts.js';
import { FakeText, fakeDocument } from './fake-document.js';

before(() => {
  globalThis.document = fakeDocument;
});
after(() => {
  delete globalThis.document;
});

const HOSTILE = '<img src=x onerror=alert(1)>';

function progressbar(part) {
  return [...part.box.walk()].find((element) => element.getAttribute('role') === 'progressbar');
}

describe('the undo of an import on its row', () => {
  it('is hidden while no undo was asked for', () => {
    const part = undoPart();
    renderUndo(part, { status: 'completed', canUndo: true });
    assert.equal(part.box.hidden, true);
    renderUndo(part, null);
    assert.equal(part.box.hidden, true);
  });

  it('shows the progress of an undo under way, and who asked for it', () => {
    const part = undoPart();
    renderUndo(part, { status: 'undoing', undo: { progress: 40, requestedBy: 'boss@example.com' } });
    assert.equal(part.box.hidden, false);
    assert.equal(part.running.hidden, false);
    assert.equal(part.result.hidden, true);
    const bar = progressbar(part);
    assert.equal(bar.getAttribute('aria-label'), 'Undo');
    assert.equal(bar.getAttribute('aria-valuenow'), '40');
    assert.equal(part.percent.textContent, '40%');
    assert.match(part.byline.textContent, /^Undo requested by boss@example\.com/);
  });

  it('says what the undo did once done, as text, in amber when some leads failed', () => {
    const part = undoPart();
    renderUndo(part, { status: 'undoing', undo: { progress: 90 } });
    renderUndo(part, {
      status: 'undone',
      undo: { deleted: 412, restored: 57, conflicts: 2, failed: 1, progress: 100, requestedBy: HOSTILE },
    });
    assert.equal(part.running.hidden, true);
    assert.equal(part.result.hidden, false);
    assert.equal(part.result.textContent, 'Undone: 412 deleted, 57 restored, 2 conflicts, 1 failed');
    assert.match(part.result.className, /text-amber-800/);
    assert.match(part.byline.textContent, /^Undone by <img src=x onerror=alert\(1\)>/);
    assert.ok(part.byline.childNodes.every((node) => node instanceof FakeText));
    assert.equal(part.box.find('img').length, 0);
  });
});

describe('the status badge', () => {
  it('takes the words and the colours of a state', () => {
    const badge = statusBadge();
    setBadge(badge, 'Undone', 'muted');
    assert.equal(badge.textContent, 'Undone');
    assert.match(badge.className, /bg-slate-100/);
    setBadge(badge, 'Undoing…', 'active');
    assert.match(badge.className, /bg-indigo-50/);
  });
});
