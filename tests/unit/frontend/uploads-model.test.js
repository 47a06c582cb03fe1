import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ACCEPT,
  SUPPORTED_EXTENSIONS,
  awaitsReview,
  contentTypeFor,
  countEntries,
  extensionOf,
  fingerprint,
  importFinished,
  isAbandoned,
  isFinal,
  progressOf,
  statusText,
  statusTone,
  uploadChartRows,
  worksheetEntries,
} from '../../../frontend/js/uploads-model.js';

const NOW = Date.parse('2026-11-24T17:00:00Z');

describe('file types', () => {
  it('lists the supported extensions for the file input', () => {
    assert.deepEqual(SUPPORTED_EXTENSIONS, ['.csv', '.tsv', '.txt', '.xlsx', '.xlsm', '.xls', '.ods']);
    assert.equal(ACCEPT, '.csv,.tsv,.txt,.xlsx,.xlsm,.xls,.ods');
  });

  it('finds the extension of a file name', () => {
    assert.equal(extensionOf('Leads.XLSX'), '.xlsx');
    assert.equal(extensionOf('archive.tar.csv'), '.csv');
    assert.equal(extensionOf('README'), '');
    assert.equal(extensionOf('.csv'), '.csv');
  });

  it('announces the standard content type of a spreadsheet whatever the browser says', () => {
    assert.equal(contentTypeFor('a.csv', 'application/vnd.ms-excel'), 'text/csv');
    assert.equal(contentTypeFor('a.xlsx', ''), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(contentTypeFor('a.ods'), 'application/vnd.oasis.opendocument.spreadsheet');
    assert.equal(contentTypeFor('notes.pdf', 'application/pdf'), 'application/pdf');
    assert.equal(contentTypeFor('notes', ''), '');
  });
});

describe('status in words', () => {
  it('names every state', () => {
    const words = ['uploading', 'uploaded', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled'].map(
      (status) => statusText({ status, createdAt: new Date(NOW).toISOString() }, NOW),
    );
    assert.deepEqual(words, [
      'Waiting for the file',
      'Queued for processing',
      'Processing',
      'Completed',
      'Completed with errors',
      'Failed',
      'Cancelled',
    ]);
  });

  it('says Cancelling… while a cancel is on its way, and not after the end', () => {
    assert.equal(statusText({ status: 'processing', cancelRequested: true }), 'Cancelling…');
    assert.equal(statusText({ status: 'cancelled', cancelRequested: true }), 'Cancelled');
  });

  it('knows a file that never arrived', () => {
    const old = { status: 'uploading', createdAt: new Date(NOW - 60 * 60 * 1000).toISOString() };
    assert.equal(isAbandoned(old, NOW), true);
    assert.equal(statusText(old, NOW), 'The file never arrived');
    assert.equal(isAbandoned({ ...old, status: 'processing' }, NOW), false);
    assert.equal(isAbandoned({ status: 'uploading', createdAt: new Date(NOW - 60 * 1000).toISOString() }, NOW), false);
  });

  it('asks for a review of the columns, and says what an upload with a review is doing', () => {
    assert.equal(statusText({ status: 'needs_review', review: true }), 'Columns need your review');
    assert.equal(statusTone('needs_review'), 'warning');
    assert.equal(statusText({ status: 'uploaded', review: true }), 'Reading the file…');
    assert.equal(statusText({ status: 'uploaded', review: true, mappingConfirmed: true }), 'Starting the import…');
    assert.equal(statusText({ status: 'uploaded' }), 'Queued for processing');
    assert.equal(statusText({ status: 'needs_review', cancelRequested: true }), 'Cancelling…');
    assert.equal(awaitsReview({ status: 'needs_review' }), true);
    assert.equal(awaitsReview({ status: 'uploaded', review: true }), false);
    assert.equal(awaitsReview(null), false);
    assert.equal(isFinal('needs_review'), false);
  });

  it('knows the final states', () => {
    assert.deepEqual(
      ['uploading', 'uploaded', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled'].map(isFinal),
      [false, false, false, true, true, true, true],
    );
  });

  it('says Undoing… and Undone for an import taken back, and neither in the colours of a running import', () => {
    assert.equal(statusText({ status: 'undoing' }), 'Undoing…');
    assert.equal(statusText({ status: 'undone' }), 'Undone');
    assert.equal(statusText({ status: 'undoing', cancelRequested: true }), 'Undoing…');
    assert.equal(statusTone('undoing'), 'active');
    assert.equal(statusTone('undone'), 'muted');
  });

  it('polls an undo until it is undone, but the import under it is over', () => {
    assert.equal(isFinal('undoing'), false);
    assert.equal(isFinal('undone'), true);
    assert.deepEqual(
      ['processing', 'needs_review', 'completed', 'cancelled', 'undoing', 'undone'].map(importFinished),
      [false, false, true, true, true, true],
    );
  });
});

describe('progressOf', () => {
  it('is 100 exactly when final', () => {
    assert.equal(progressOf({ status: 'cancelled', progress: 40 }), 100);
    assert.equal(progressOf({ status: 'undoing', progress: 100, undo: { progress: 10 } }), 100);
    assert.equal(progressOf({ status: 'undone', progress: 100 }), 100);
    assert.equal(progressOf({ status: 'processing', progress: 100 }), 99);
    assert.equal(progressOf({ status: 'processing', progress: 42.6 }), 43);
    assert.equal(progressOf({ status: 'uploading' }), 0);
    assert.equal(progressOf(null), 0);
  });
});

describe('counts', () => {
  it('shows New, Merged, Rejected, Failed, and Cancelled only when some were', () => {
    const view = { created: 11, updated: 1, rejected: 1, failed: 0, cancelled: 0 };
    assert.deepEqual(countEntries(view), [
      { key: 'created', label: 'New', value: 11 },
      { key: 'updated', label: 'Merged', value: 1 },
      { key: 'rejected', label: 'Rejected', value: 1 },
      { key: 'failed', label: 'Failed', value: 0 },
    ]);
    assert.deepEqual(countEntries({ ...view, cancelled: 700 }).at(-1), { key: 'cancelled', label: 'Cancelled', value: 700 });
  });

  it('reads missing or odd counts as 0', () => {
    assert.deepEqual(
      countEntries({ created: '3', updated: null, rejected: -1 }).map((entry) => entry.value),
      [3, 0, 0, 0],
    );
  });

  it('lists the worksheets', () => {
    const sheets = worksheetEntries({
      worksheets: { Webinar: { rows: 8, created: 7, rejected: 1 }, 'Trade Show': { rows: 5, created: 4, updated: 1 } },
    });
    assert.deepEqual(sheets, [
      { sheet: 'Webinar', rows: 8, created: 7, updated: 0, rejected: 1, failed: 0, cancelled: 0 },
      { sheet: 'Trade Show', rows: 5, created: 4, updated: 1, rejected: 0, failed: 0, cancelled: 0 },
    ]);
    assert.deepEqual(worksheetEntries({}), []);
  });
});

describe('fingerprint', () => {
  const base = { status: 'processing', progress: 40, completedBatches: 4, totalBatches: 10, rows: 100, created: 30, updatedAt: 't1' };

  it('is the same for the same status', () => {
    assert.equal(fingerprint({ ...base }), fingerprint({ ...base }));
  });

  it('changes when anything the user sees changes', () => {
    for (const change of [
      { progress: 50 },
      { created: 31 },
      { status: 'completed' },
      { cancelRequested: true },
      { rows: 101 },
      { undo: { progress: 30 } },
      { undo: { deleted: 4 } },
      { undo: { restored: 1 } },
      { undo: { conflicts: 1 } },
    ]) {
      assert.notEqual(fingerprint({ ...base, ...change }), fingerprint(base), JSON.stringify(change));
    }
  });
});

describe('uploadChartRows', () => {
  it('takes the newest uploads with their counts', () => {
    const uploads = Array.from({ length: 12 }, (_, i) => ({ uploadId: `u${i}`, fileName: `f${i}.csv`, created: i, updated: 1 }));
    const rows = uploadChartRows(uploads, 8);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[2], {
      id: 'u2',
      label: 'f2.csv',
      createdAt: '',
      values: { created: 2, updated: 1, rejected: 0, failed: 0, cancelled: 0 },
    });
    assert.deepEqual(uploadChartRows(undefined), []);
  });
});
