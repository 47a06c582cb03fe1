import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  NO_OWNER,
  historyCountText,
  historyCounts,
  importLine,
  importedBy,
  isUndoing,
  offersUndo,
  showsCounts,
  undoByline,
  undoConsequences,
  undoFailureText,
  undoHadFailures,
  undoProgressOf,
  undoProgressText,
  undoResultText,
} from '../../../frontend/js/history-model.js';

const UTC = { locale: 'en-US', timeZone: 'UTC' };
const HOSTILE = '<img src=x onerror=alert(1)>';
const LATER_VALUE = 'Fields a later import changed again keep the later value.';
const LATER_LEAD = 'Leads a later import also brought in are kept, and fields a later import changed again keep the later value.';
const STAYS = 'The import stays in this history, marked Undone.';

// ICU versions differ in the space before "PM" (U+0020 or U+202F); compare with plain spaces.
const plain = (text) => text.replace(/\s/g, ' ');

describe('who imported what', () => {
  it('names the importer, or a dash for an upload from before it was kept', () => {
    assert.equal(importedBy({ ownerEmail: 'ann@example.com' }), 'ann@example.com');
    assert.equal(importedBy({ ownerEmail: '  ' }), NO_OWNER);
    assert.equal(importedBy({}), '—');
    assert.equal(importedBy(null), '—');
    assert.equal(importedBy({ ownerEmail: HOSTILE }), HOSTILE);
  });

  it('says who and when in one line, without a date it cannot read', () => {
    const view = { ownerEmail: 'ann@example.com', createdAt: '2026-11-24T16:55:00Z' };
    assert.equal(plain(importLine(view, UTC)), 'Imported by ann@example.com · Nov 24, 2026, 4:55 PM');
    assert.equal(importLine({ createdAt: 'yesterday' }, UTC), 'Imported by —');
  });

  it('counts rows, new, merged, rejected and failed, and cancelled only when some were', () => {
    const view = { rows: 470, created: 412, updated: 57, rejected: 1, failed: 0 };
    assert.deepEqual(historyCounts(view), [
      { key: 'rows', label: 'Rows', value: 470 },
      { key: 'created', label: 'New', value: 412 },
      { key: 'updated', label: 'Merged', value: 57 },
      { key: 'rejected', label: 'Rejected', value: 1 },
      { key: 'failed', label: 'Failed', value: 0 },
    ]);
    assert.deepEqual(historyCounts({ ...view, cancelled: 3 }).at(-1), { key: 'cancelled', label: 'Cancelled', value: 3 });
  });

  it('shows the counts once an import is over or has read rows', () => {
    assert.equal(showsCounts({ status: 'completed', rows: 0 }), true);
    assert.equal(showsCounts({ status: 'undoing' }), true);
    assert.equal(showsCounts({ status: 'undone' }), true);
    assert.equal(showsCounts({ status: 'processing', rows: 20 }), true);
    assert.equal(showsCounts({ status: 'uploading' }), false);
    assert.equal(showsCounts(null), false);
  });

  it('says how many imports the list holds, and that it is cut at the limit', () => {
    assert.equal(historyCountText(0, 50), '');
    assert.equal(historyCountText(1, 50), '1 import by your team.');
    assert.equal(historyCountText(12, 50), '12 imports by your team.');
    assert.equal(historyCountText(50, 50), 'The 50 most recent imports of your team.');
  });
});

describe('which imports offer "Undo import"', () => {
  it('those the server says the caller may undo now', () => {
    assert.equal(offersUndo({ status: 'completed', canUndo: true }), true);
    assert.equal(offersUndo({ status: 'completed_with_errors', canUndo: true }), true);
  });

  it('not one of another user, nor one the answer says nothing about', () => {
    assert.equal(offersUndo({ status: 'completed', canUndo: false }), false);
    assert.equal(offersUndo({ status: 'completed' }), false);
    assert.equal(offersUndo({ status: 'completed', canUndo: 'true' }), false);
    assert.equal(offersUndo(null), false);
  });

  it('never one being undone or undone already, whatever canUndo says', () => {
    assert.equal(offersUndo({ status: 'undoing', canUndo: true }), false);
    assert.equal(offersUndo({ status: 'undone', canUndo: true }), false);
  });

  it('knows an undo under way', () => {
    assert.equal(isUndoing({ status: 'undoing' }), true);
    assert.equal(isUndoing({ status: 'undone' }), false);
    assert.equal(isUndoing(undefined), false);
  });
});

describe('the confirmation', () => {
  it('says what is deleted and what is restored, from the counts', () => {
    assert.deepEqual(undoConsequences({ created: 412, updated: 57 }), [
      'Deletes 412 leads this import created and restores the leads its 57 merged rows changed.',
      LATER_LEAD,
      STAYS,
    ]);
  });

  it('speaks of one lead and one merged row in the singular', () => {
    assert.equal(
      undoConsequences({ created: 1, updated: 1 })[0],
      'Deletes 1 lead this import created and restores the lead its one merged row changed.',
    );
  });

  it('leaves out what the import did not do', () => {
    assert.deepEqual(undoConsequences({ created: 1234, updated: 0 }), [
      'Deletes 1,234 leads this import created.',
      LATER_LEAD,
      STAYS,
    ]);
    assert.deepEqual(undoConsequences({ created: 0, updated: 2 }), [
      'Restores the leads its 2 merged rows changed. It created no new leads, so none are deleted.',
      LATER_VALUE,
      STAYS,
    ]);
  });

  it('says plainly when undoing changes no lead', () => {
    assert.deepEqual(undoConsequences({ created: 0, updated: 0, rejected: 5 }), [
      'This import neither created nor changed any lead: undoing it changes no lead.',
      STAYS,
    ]);
    assert.deepEqual(undoConsequences({}), undoConsequences({ created: -1, updated: 'x' }));
  });
});

describe('an undo under way and done', () => {
  it('runs from 0 to 99 while it works, and is 100 exactly when done', () => {
    assert.equal(undoProgressOf({ status: 'undoing', undo: { progress: 42.6 } }), 43);
    assert.equal(undoProgressOf({ status: 'undoing', undo: { progress: 100 } }), 99);
    assert.equal(undoProgressOf({ status: 'undoing' }), 0);
    assert.equal(undoProgressOf({ status: 'undone', undo: { progress: 60 } }), 100);
    assert.equal(undoProgressText({ status: 'undoing', undo: { progress: 7 } }), '7%');
  });

  it('says what it did: deleted and restored always, conflicts and failures when there are any', () => {
    const view = { status: 'undone', undo: { deleted: 412, restored: 57, conflicts: 2, failed: 0 } };
    assert.equal(undoResultText(view), 'Undone: 412 deleted, 57 restored, 2 conflicts');
    assert.equal(undoResultText({ undo: { deleted: 3, restored: 0, conflicts: 1 } }), 'Undone: 3 deleted, 0 restored, 1 conflict');
    assert.equal(undoResultText({ undo: { deleted: 3, restored: 1, conflicts: 0 } }), 'Undone: 3 deleted, 1 restored');
    assert.equal(
      undoResultText({ undo: { deleted: 1500, restored: 2, failed: 4 } }),
      'Undone: 1,500 deleted, 2 restored, 4 failed',
    );
    assert.equal(undoResultText({ status: 'undone' }), 'Undone: 0 deleted, 0 restored');
  });

  it('warns when some leads could not be undone', () => {
    assert.equal(undoHadFailures({ undo: { failed: 4 } }), true);
    assert.equal(undoHadFailures({ undo: { failed: 0 } }), false);
    assert.equal(undoHadFailures({}), false);
  });

  it('says why an undo did not start, once the import is back as it was', () => {
    const undo = { deleted: 0, restored: 0, error: 'The undo queue could not be reached.' };
    assert.equal(
      undoFailureText({ status: 'completed', canUndo: true, undo }),
      'The undo did not start: The undo queue could not be reached.',
    );
    assert.equal(undoFailureText({ status: 'undoing', undo }), '');
    assert.equal(undoFailureText({ status: 'completed', undo: { error: ' ' } }), '');
    assert.equal(undoFailureText({ status: 'completed' }), '');
    assert.equal(undoFailureText(null), '');
  });

  it('says who asked for it and when', () => {
    const undo = { requestedBy: 'boss@example.com', requestedAt: '2026-11-24T17:00:00Z' };
    assert.equal(
      plain(undoByline({ status: 'undoing', undo }, UTC)),
      'Undo requested by boss@example.com · Nov 24, 2026, 5:00 PM',
    );
    assert.equal(
      plain(undoByline({ status: 'undone', undo: { ...undo, finishedAt: '2026-11-24T17:02:00Z' } }, UTC)),
      'Undone by boss@example.com · Nov 24, 2026, 5:02 PM',
    );
    assert.equal(undoByline({ status: 'undone', undo: {} }, UTC), 'Undone by —');
  });
});
