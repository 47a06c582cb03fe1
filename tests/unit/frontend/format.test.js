import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  EN_DASH,
  emptyLeadsText,
  exportedText,
  formatBytes,
  formatDate,
  formatDateTime,
  formatNumber,
  pageText,
  percentText,
  plural,
  showingText,
} from '../../../frontend/js/format.js';

// ICU versions differ in the space before "PM" (U+0020 or U+202F); compare with plain spaces.
const plain = (text) => text.replace(/\s/g, ' ');

describe('formatNumber', () => {
  it('groups thousands with commas', () => {
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(999), '999');
    assert.equal(formatNumber(1234), '1,234');
    assert.equal(formatNumber(1234567), '1,234,567');
  });

  it('reads numbers given as text and treats garbage as 0', () => {
    assert.equal(formatNumber('2500'), '2,500');
    assert.equal(formatNumber(undefined), '0');
    assert.equal(formatNumber('abc'), '0');
    assert.equal(formatNumber(Number.NaN), '0');
  });

  it('says singular and plural', () => {
    assert.equal(plural(1, 'lead'), '1 lead');
    assert.equal(plural(0, 'lead'), '0 leads');
    assert.equal(plural(1500, 'row'), '1,500 rows');
  });
});

describe('formatBytes', () => {
  it('counts bytes below a kilobyte', () => {
    assert.equal(formatBytes(0), '0 bytes');
    assert.equal(formatBytes(1), '1 byte');
    assert.equal(formatBytes(484), '484 bytes');
    assert.equal(formatBytes(1023), '1,023 bytes');
  });

  it('uses one decimal below 10 units and whole numbers above', () => {
    assert.equal(formatBytes(1024), '1 KB');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(12313), '12 KB');
    assert.equal(formatBytes(26214400), '25 MB');
    assert.equal(formatBytes(5.5 * 1024 ** 3), '5.5 GB');
  });

  it('rounds up to the next unit rather than printing 1024', () => {
    assert.equal(formatBytes(1024 * 1024 - 1), '1 MB');
  });

  it('gives nothing for sizes that are not sizes', () => {
    assert.equal(formatBytes(-1), '');
    assert.equal(formatBytes('x'), '');
  });
});

describe('dates', () => {
  const iso = '2026-11-24T16:55:44.683Z';

  it('formats a date and time in the given locale and zone', () => {
    assert.equal(plain(formatDateTime(iso, { locale: 'en-US', timeZone: 'UTC' })), 'Nov 24, 2026, 4:55 PM');
    assert.equal(plain(formatDateTime(iso, { locale: 'de-DE', timeZone: 'Europe/Berlin' })), '24.11.2026, 17:55');
  });

  it('formats only the date', () => {
    assert.equal(formatDate(iso, { locale: 'en-US', timeZone: 'UTC' }), 'Nov 24, 2026');
  });

  it('gives nothing for a missing or unreadable date', () => {
    assert.equal(formatDateTime(''), '');
    assert.equal(formatDateTime('yesterday'), '');
    assert.equal(formatDate(undefined), '');
  });
});

describe('showingText', () => {
  it('says which rows of how many are shown, with an en dash', () => {
    assert.equal(showingText({ page: 1, pageSize: 25, totalCount: 1234 }, 25), `Showing 1${EN_DASH}25 of 1,234`);
    assert.equal(showingText({ page: 2, pageSize: 10, totalCount: 16 }, 6), 'Showing 11\u201316 of 16');
    assert.equal(showingText({ page: 50, pageSize: 25, totalCount: 1234 }, 9), 'Showing 1,226\u20131,234 of 1,234');
  });

  it('is exact for a single row', () => {
    assert.equal(showingText({ page: 1, pageSize: 25, totalCount: 1 }, 1), 'Showing 1\u20131 of 1');
  });

  it('never claims more rows than there are', () => {
    assert.equal(showingText({ page: 1, pageSize: 25, totalCount: 3 }, 25), 'Showing 1\u20133 of 3');
  });

  it('says nothing when there are no leads, and 0 for a page past the end', () => {
    assert.equal(showingText({ page: 1, pageSize: 25, totalCount: 0 }, 0), '');
    assert.equal(showingText({ page: 9, pageSize: 25, totalCount: 40 }, 0), 'Showing 0 of 40');
  });

  it('explains an empty list', () => {
    assert.equal(emptyLeadsText(true), 'No leads match these filters.');
    assert.equal(emptyLeadsText(false), 'No leads yet. Upload a spreadsheet to get started.');
  });
});

describe('pageText, exportedText, percentText', () => {
  it('names the page', () => {
    assert.equal(pageText(2, 50), 'Page 2 of 50');
    assert.equal(pageText(1, 0), 'Page 1 of 1');
    assert.equal(pageText(7, 3), 'Page 3 of 3');
    assert.equal(pageText(1, 1200), 'Page 1 of 1,200');
  });

  it('counts exported leads', () => {
    assert.equal(exportedText(1234), 'Exported 1,234 leads.');
    assert.equal(exportedText(1), 'Exported 1 lead.');
    assert.equal(exportedText(0), 'Exported 0 leads.');
  });

  it('clamps and rounds percentages', () => {
    assert.equal(percentText(45.4), '45%');
    assert.equal(percentText(120), '100%');
    assert.equal(percentText(-3), '0%');
  });
});
