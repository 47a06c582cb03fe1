// What an upload's status means for the user. Pure: no DOM.

export const SUPPORTED_EXTENSIONS = Object.freeze(['.csv', '.tsv', '.txt', '.xlsx', '.xlsm', '.xls', '.ods']);
export const ACCEPT = SUPPORTED_EXTENSIONS.join(',');
/** An import being taken back: its own processing is over, but the status still moves (to `undone`). */
export const UNDOING = 'undoing';
export const UNDONE = 'undone';
export const FINAL_STATUSES = Object.freeze(['completed', 'completed_with_errors', 'failed', 'cancelled', UNDONE]);
/** The state in which an upload waits for its owner to confirm how its columns are read. */
export const NEEDS_REVIEW = 'needs_review';
/** A file the browser has not sent within this time will not arrive any more (its presigned POST lapsed). */
export const ABANDONED_AFTER_MS = 20 * 60 * 1000;

export const COUNTS = Object.freeze([
  { key: 'created', label: 'New' },
  { key: 'updated', label: 'Merged' },
  { key: 'rejected', label: 'Rejected' },
  { key: 'failed', label: 'Failed' },
  { key: 'cancelled', label: 'Cancelled' },
]);

/** The counts of an undo (`view.undo`): leads deleted, leads restored, leads a later import kept, failures. */
export const UNDO_COUNTS = Object.freeze(['deleted', 'restored', 'conflicts', 'failed']);

const CONTENT_TYPES = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xlsm': 'application/vnd.ms-excel.sheet.macroEnabled.12',
  '.xls': 'application/vnd.ms-excel',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
};

export function extensionOf(fileName) {
  const name = String(fileName || '');
  const dot = name.lastIndexOf('.');
  return dot > 0 || (dot === 0 && name.length > 1) ? name.slice(dot).toLowerCase() : '';
}

/**
 * The content type to announce for a file: the standard one for a spreadsheet extension (browsers and
 * operating systems disagree, e.g. "application/vnd.ms-excel" for .csv on Windows), else the browser's.
 */
export function contentTypeFor(fileName, browserType = '') {
  return CONTENT_TYPES[extensionOf(fileName)] || browserType || '';
}

/** Nothing will change any more: polling ends here. `undoing` is not final; it ends as `undone`. */
export function isFinal(status) {
  return FINAL_STATUSES.includes(status);
}

/** The import itself is over (an import being undone finished first): no cancel, full processing bar. */
export function importFinished(status) {
  return isFinal(status) || status === UNDOING;
}

/** An upload whose proposed column mapping waits for its owner (nothing moves until they act). */
export function awaitsReview(view) {
  return view?.status === NEEDS_REVIEW;
}

function ageMs(view, now) {
  const created = Date.parse(view?.createdAt || '');
  return Number.isFinite(created) ? now - created : 0;
}

/** An upload whose file never arrived and never will (its link expired): nothing to wait for. */
export function isAbandoned(view, now = Date.now()) {
  return view?.status === 'uploading' && ageMs(view, now) > ABANDONED_AFTER_MS;
}

/** The status of an upload in words. */
export function statusText(view, now = Date.now()) {
  if (!view) return '';
  const cancelling = view.cancelRequested && !isFinal(view.status);
  switch (view.status) {
    case 'uploading':
      if (cancelling) return 'Cancelling…';
      return isAbandoned(view, now) ? 'The file never arrived' : 'Waiting for the file';
    case 'uploaded':
      if (cancelling) return 'Cancelling…';
      // An upload with a review is read twice: to propose its columns, then to import as confirmed.
      if (view.mappingConfirmed) return 'Starting the import…';
      return view.review ? 'Reading the file…' : 'Queued for processing';
    case NEEDS_REVIEW:
      return cancelling ? 'Cancelling…' : 'Columns need your review';
    case 'processing':
      return cancelling ? 'Cancelling…' : 'Processing';
    case 'completed':
      return 'Completed';
    case 'completed_with_errors':
      return 'Completed with errors';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    case UNDOING:
      return 'Undoing…';
    case UNDONE:
      return 'Undone';
    default:
      return String(view.status || 'Unknown');
  }
}

/** A colour family for the status badge. */
export function statusTone(status) {
  switch (status) {
    case 'completed':
      return 'success';
    case 'completed_with_errors':
    case NEEDS_REVIEW:
      return 'warning';
    case 'failed':
      return 'danger';
    case 'cancelled':
    case UNDONE: // taken back: neither a success nor a failure any more
      return 'muted';
    default:
      return 'active';
  }
}

/** A count of a view as a whole number; missing, negative or unreadable counts are 0. */
export function count(view, key) {
  const number = Number(view?.[key]);
  return Number.isFinite(number) && number > 0 ? Math.floor(number) : 0;
}

/** The counts to show: New, Merged, Rejected, Failed always; Cancelled only when there are any. */
export function countEntries(view) {
  return COUNTS.filter(({ key }) => key !== 'cancelled' || count(view, key) > 0).map(({ key, label }) => ({
    key,
    label,
    value: count(view, key),
  }));
}

/** The per-worksheet breakdown ([{sheet, rows, created, ...}]) in the order the API lists them. */
export function worksheetEntries(view) {
  const sheets = view?.worksheets;
  if (!sheets || typeof sheets !== 'object') return [];
  return Object.entries(sheets).map(([sheet, counts]) => ({
    sheet,
    rows: count(counts, 'rows'),
    ...Object.fromEntries(COUNTS.map(({ key }) => [key, count(counts, key)])),
  }));
}

export function progressOf(view) {
  if (!view) return 0;
  if (importFinished(view.status)) return 100;
  const number = Number(view.progress);
  return Number.isFinite(number) ? Math.max(0, Math.min(99, Math.round(number))) : 0;
}

/** What changes between two polls; equal fingerprints mean nothing happened. */
export function fingerprint(view) {
  if (!view) return '';
  return [
    view.status,
    view.progress,
    view.completedBatches,
    view.totalBatches,
    view.rows,
    ...COUNTS.map(({ key }) => view[key]),
    view.cancelRequested ? 1 : 0,
    view.updatedAt,
    ...UNDO_COUNTS.map((key) => view.undo?.[key]),
    view.undo?.progress,
  ].join('|');
}

/** Uploads of GET /uploads as chart rows (newest first, at most `limit`), labelled by file name. */
export function uploadChartRows(uploads, limit = 8) {
  return (Array.isArray(uploads) ? uploads : []).slice(0, limit).map((upload) => ({
    id: upload.uploadId,
    label: String(upload.fileName || upload.uploadId || ''),
    createdAt: upload.createdAt || '',
    values: Object.fromEntries(COUNTS.map(({ key }) => [key, count(upload, key)])),
  }));
}
