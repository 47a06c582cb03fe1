// The review of an upload's columns before it is imported: a dialog showing, for every sheet, how each
// column would be read (GET /uploads/{id}/mapping), letting the user change it, leave sheets out, and
// start the import with exactly those choices (PUT /uploads/{id}/mapping).

import { byId, h, replace, showText } from './dom.js';
import { isAbort } from './errors.js';
import { plural } from './format.js';
import {
  choicesOf,
  columnNote,
  isChanged,
  mappingRequest,
  reviewSummary,
  reviewView,
  setField,
  setInclude,
  sheetFacts,
  sheetNotes,
  valueOfField,
  withChoices,
} from './review-model.js';
import { NEEDS_REVIEW, statusText } from './uploads-model.js';

const NOTE_BADGE = {
  high: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  medium: 'bg-sky-50 text-sky-900 ring-sky-200',
  low: 'bg-amber-50 text-amber-900 ring-amber-200',
  changed: 'bg-indigo-50 text-indigo-800 ring-indigo-200',
  none: 'bg-slate-100 text-slate-700 ring-slate-200',
};

let dialogCount = 0;

function samplesList(samples, extra = '') {
  if (!samples.length) return h('p', { class: `text-xs text-slate-400 italic ${extra}` }, 'No values in the first rows');
  return h(
    'ul',
    { class: `flex min-w-0 flex-wrap gap-1 ${extra}`, 'aria-label': 'Sample values' },
    samples.map((sample) =>
      h(
        'li',
        {
          // Whole on a phone (no hover to read a tooltip there), cut to one line on wider screens.
          class: 'max-w-full rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs break-words text-slate-700 sm:max-w-[14rem] sm:truncate',
          title: sample,
        },
        sample,
      ),
    ),
  );
}

/**
 * The review dialog. `onConfirmed(uploadId, record)` hears about an import started from it (the answer of
 * the PUT, the upload's status); `onCancel(uploadId)` is asked to cancel the upload; `onStale(uploadId)`
 * hears that the server no longer sees the upload awaiting review (so its row can poll now).
 */
export function createReview({ api, onConfirmed = () => {}, onCancel = () => {}, onStale = () => {} }) {
  const dialog = byId('review-dialog');
  const fileLine = byId('review-dialog-file');
  const closeButton = byId('review-close');
  const loading = byId('review-loading');
  const stateNote = byId('review-state');
  const errorBox = byId('review-error-box');
  const errorText = byId('review-error');
  const retryButton = byId('review-retry');
  const warningList = byId('review-warnings');
  const sheetBox = byId('review-sheets');
  const summary = byId('review-summary');
  const cancelButton = byId('review-cancel-upload');
  const startButton = byId('review-start');

  const kept = new Map(); // uploadId → the user's choices, kept while the panel is closed
  let current = null; // {uploadId, fileName, opener, fallback}
  let view = null;
  let parts = new Map(); // sheet key → {section, notes, excluded, table, rows: Map(index → {row, label, select, badge, text})}
  let controller = null;
  let sending = false;
  let awaiting = false; // the server says the upload awaits review (and it has not been confirmed here)

  function showError(message, { retry = false } = {}) {
    showText(errorText, message);
    errorBox.hidden = !message;
    retryButton.hidden = !message || !retry;
  }

  function updateButtons() {
    const canStart = Boolean(view) && awaiting && reviewSummary(view).canStart;
    startButton.disabled = sending || !canStart;
    startButton.textContent = sending ? 'Starting…' : 'Start import';
    cancelButton.disabled = sending || !current || !awaiting;
    if (view) summary.textContent = awaiting ? reviewSummary(view).text : '';
    else summary.textContent = '';
  }

  function renderColumnNote(part, column) {
    const note = columnNote(column);
    part.badge.textContent = note.badge;
    part.badge.hidden = !note.badge;
    part.badge.className = `inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${NOTE_BADGE[note.tone] || NOTE_BADGE.none}`;
    part.text.textContent = note.text;
    const dropped = column.field === null;
    part.label.className = `block break-words font-medium ${dropped ? 'text-slate-400 line-through' : 'text-slate-900'} ${column.hasHeader ? '' : 'italic'}`;
    part.row.className = isChanged(column) ? 'bg-indigo-50/40' : '';
  }

  function renderSheetState(sheet) {
    const part = parts.get(sheet.key);
    if (!part) return;
    const notes = sheetNotes(sheet);
    part.notes.hidden = notes.length === 0;
    replace(
      part.notes,
      notes.map((text) => h('li', { class: 'notice notice-warning' }, text)),
    );
    part.excluded.hidden = sheet.include;
    part.notices.hidden = part.notes.hidden && part.excluded.hidden;
    part.table.classList.toggle('opacity-50', !sheet.include);
    for (const columnPart of part.rows.values()) columnPart.select.disabled = !sheet.include || !awaiting;
    if (part.toggle) part.toggle.checked = sheet.include;
  }

  function remember() {
    if (current && view) kept.set(current.uploadId, choicesOf(view));
  }

  function changeField(sheetKeyValue, index, value) {
    view = setField(view, sheetKeyValue, index, value);
    remember();
    const sheet = view.sheets.find((candidate) => candidate.key === sheetKeyValue);
    const column = sheet?.columns.find((candidate) => candidate.index === index);
    const part = parts.get(sheetKeyValue)?.rows.get(index);
    if (column && part) renderColumnNote(part, column);
    if (sheet) renderSheetState(sheet);
    showError('');
    updateButtons();
  }

  function changeInclude(sheetKeyValue, include) {
    view = setInclude(view, sheetKeyValue, include);
    remember();
    const sheet = view.sheets.find((candidate) => candidate.key === sheetKeyValue);
    if (sheet) renderSheetState(sheet);
    showError('');
    updateButtons();
  }

  function columnRow(sheet, column, options, idPrefix) {
    const label = h('span', {}, column.label);
    const select = h(
      'select',
      {
        class: 'input py-1.5 disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-500',
        'aria-label': `Import ${column.label} as`,
        'data-column-index': String(column.index),
        onChange: (event) => changeField(sheet.key, column.index, event.target.value),
      },
      options.map((option) => h('option', { value: option.value }, option.label)),
    );
    select.value = valueOfField(column.field);
    const badge = h('span', {});
    const text = h('span', { class: 'min-w-0 text-xs text-slate-500' });
    const noteId = `${idPrefix}-note-${column.index}`;
    select.setAttribute('aria-describedby', noteId);
    const row = h(
      'tr',
      {},
      h(
        'th',
        { scope: 'row', class: 'td w-[40%] max-w-0 font-normal whitespace-normal sm:w-[24%]' },
        label,
        column.hasHeader ? null : h('span', { class: 'sr-only' }, ' (no header)'),
        samplesList(column.samples, 'mt-1.5 sm:hidden'),
      ),
      h('td', { class: 'td hidden max-w-0 whitespace-normal sm:table-cell' }, samplesList(column.samples)),
      h(
        'td',
        { class: 'td w-[60%] whitespace-normal sm:w-[18rem]' },
        select,
        h('p', { id: noteId, class: 'mt-1.5 flex flex-wrap items-center gap-x-2 gap-y-1' }, badge, text),
      ),
    );
    const part = { row, label, select, badge, text };
    renderColumnNote(part, column);
    return part;
  }

  function sheetSection(sheet, index, several, options) {
    const idPrefix = `review-${dialogCount}-${index}`;
    const headingId = `${idPrefix}-title`;
    const rows = new Map();
    const columnRows = sheet.columns.map((column) => {
      const part = columnRow(sheet, column, options, idPrefix);
      rows.set(column.index, part);
      return part.row;
    });
    const toggle = several
      ? h('input', {
          type: 'checkbox',
          class: 'size-4 shrink-0 accent-indigo-600',
          checked: sheet.include,
          'aria-describedby': `${idPrefix}-facts`,
          onChange: (event) => changeInclude(sheet.key, event.target.checked),
        })
      : null;
    const notes = h('ul', { class: 'space-y-2', 'aria-label': `Warnings about ${sheet.title}`, hidden: true });
    const excluded = h(
      'p',
      { class: 'notice notice-info', hidden: true },
      `Left out: none of its ${plural(sheet.rows, 'row')} will be imported.`,
    );
    const notices = h('div', { class: 'space-y-2 bg-slate-50 px-3 pb-3 sm:px-4', hidden: true }, notes, excluded);
    const table = h(
      'div',
      { class: 'overflow-x-auto border-t border-slate-200 transition-opacity' },
      h(
        'table',
        { class: 'min-w-full table-fixed divide-y divide-slate-200 text-left text-sm' },
        h('caption', { class: 'sr-only' }, `Columns of ${sheet.title}`),
        h(
          'thead',
          { class: 'bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase' },
          h(
            'tr',
            {},
            h('th', { scope: 'col', class: 'th' }, 'Column'),
            h('th', { scope: 'col', class: 'th hidden sm:table-cell' }, 'Sample values'),
            h('th', { scope: 'col', class: 'th' }, 'Import as'),
          ),
        ),
        h('tbody', { class: 'divide-y divide-slate-100 bg-white' }, columnRows),
      ),
    );
    const section = h(
      'section',
      { class: 'overflow-hidden rounded-lg ring-1 ring-slate-200', 'aria-labelledby': headingId, 'data-sheet': sheet.key },
      h(
        'div',
        { class: 'flex flex-wrap items-start justify-between gap-x-4 gap-y-2 bg-slate-50 px-3 py-3 sm:px-4' },
        h(
          'div',
          { class: 'min-w-0' },
          h('h3', { id: headingId, class: 'font-semibold break-words text-slate-900' }, sheet.title),
          h('p', { id: `${idPrefix}-facts`, class: 'mt-0.5 text-xs text-slate-500' }, sheetFacts(sheet)),
        ),
        toggle
          ? h(
              'label',
              { class: 'inline-flex cursor-pointer items-center gap-2 text-sm font-medium text-slate-700' },
              toggle,
              'Import this worksheet',
            )
          : null,
      ),
      notices,
      table,
    );
    parts.set(sheet.key, { section, notices, notes, excluded, table, rows, toggle });
    return section;
  }

  function renderView() {
    parts = new Map();
    dialogCount += 1;
    const warnings = view.warnings;
    warningList.hidden = warnings.length === 0;
    replace(
      warningList,
      warnings.map((text) => h('li', { class: 'notice notice-warning' }, text)),
    );
    const several = view.sheets.length > 1;
    replace(
      sheetBox,
      view.sheets.map((sheet, index) => sheetSection(sheet, index, several, view.options)),
    );
    if (!view.sheets.length) {
      replace(sheetBox, h('p', { class: 'text-sm text-slate-500' }, 'This file has no sheets to import.'));
    }
    for (const sheet of view.sheets) renderSheetState(sheet);
    updateButtons();
  }

  function showState(record) {
    if (!record || record.status === NEEDS_REVIEW) {
      showText(stateNote, '');
      return;
    }
    showText(stateNote, `This upload is no longer waiting for a review (${statusText(record)}). Nothing here can be changed.`);
  }

  function setAwaiting(value, record = null) {
    awaiting = value;
    showState(value ? null : record);
    if (view) for (const sheet of view.sheets) renderSheetState(sheet);
    for (const part of parts.values()) if (part.toggle) part.toggle.disabled = !awaiting;
    updateButtons();
  }

  async function load() {
    if (!current) return;
    const { uploadId, fileName } = current;
    controller?.abort();
    controller = new AbortController();
    showError('');
    loading.textContent = 'Loading the proposed columns…';
    try {
      const doc = await api.get(`/uploads/${encodeURIComponent(uploadId)}/mapping`, { signal: controller.signal });
      if (!current || current.uploadId !== uploadId) return;
      loading.textContent = '';
      view = withChoices(reviewView(doc, { fileName }), kept.get(uploadId));
      awaiting = view.status === NEEDS_REVIEW;
      renderView();
      setAwaiting(awaiting, { status: view.status });
    } catch (error) {
      if (isAbort(error) || !current || current.uploadId !== uploadId) return;
      loading.textContent = '';
      showError(error.message, { retry: error.status !== 404 });
      updateButtons();
    }
  }

  async function start() {
    if (!current || !view || sending || !awaiting) return;
    const summaryNow = reviewSummary(view);
    if (!summaryNow.canStart) {
      showError(summaryNow.text);
      return;
    }
    const { uploadId } = current;
    sending = true;
    showError('');
    updateButtons();
    try {
      const record = await api.put(`/uploads/${encodeURIComponent(uploadId)}/mapping`, mappingRequest(view));
      kept.delete(uploadId);
      sending = false;
      // The row first (its review button goes), then the panel closes and the focus goes to the row.
      onConfirmed(uploadId, record && typeof record === 'object' ? record : null);
      if (current?.uploadId === uploadId) close();
    } catch (error) {
      sending = false;
      if (isAbort(error) || current?.uploadId !== uploadId) return;
      showError(error.message);
      if (error.status === 409 || error.status === 404) {
        setAwaiting(false); // confirmed elsewhere, cancelled, expired: the row's next poll says which
        onStale(uploadId);
      } else {
        updateButtons();
      }
    }
  }

  function reset() {
    controller?.abort();
    controller = null;
    view = null;
    parts = new Map();
    awaiting = false;
    sending = false;
    replace(sheetBox);
    replace(warningList);
    warningList.hidden = true;
    loading.textContent = '';
    showText(stateNote, '');
    showError('');
    summary.textContent = '';
    fileLine.textContent = '';
  }

  /** Forget the upload the panel showed, and give the focus back to where the user was. */
  function finish({ restoreFocus = true } = {}) {
    if (!current) return;
    const { opener, fallback } = current;
    current = null;
    reset();
    if (!restoreFocus) return;
    const target = opener?.isConnected && !opener.closest('[hidden]') ? opener : fallback;
    if (target?.isConnected) target.focus();
  }

  function close() {
    if (dialog.open) dialog.close();
    finish();
  }

  closeButton.addEventListener('click', close);
  retryButton.addEventListener('click', load);
  startButton.addEventListener('click', start);
  cancelButton.addEventListener('click', () => {
    if (!current || sending) return;
    const { uploadId } = current;
    kept.delete(uploadId);
    close();
    onCancel(uploadId);
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) close(); // the backdrop
  });
  // Escape closes the dialog by itself; its close event comes a moment later (and not for a panel that
  // was opened again meanwhile).
  dialog.addEventListener('close', () => {
    if (!dialog.open) finish();
  });

  return {
    /** Open the review of an upload; `opener` gets the focus back, else `fallback`. */
    open({ uploadId, fileName = '', opener = null, fallback = null }) {
      if (!uploadId) return;
      if (current && current.uploadId !== uploadId) finish({ restoreFocus: false });
      current = { uploadId, fileName, opener: opener || document.activeElement, fallback };
      reset();
      fileLine.textContent = fileName;
      updateButtons();
      if (!dialog.open) dialog.showModal();
      closeButton.focus();
      load();
    },

    /** The upload's status as its row last saw it: the panel stops offering a start once it moved on. */
    statusChanged(uploadId, record) {
      if (!current || current.uploadId !== uploadId || !record || !view || sending) return;
      const waiting = record.status === NEEDS_REVIEW;
      if (waiting !== awaiting) setAwaiting(waiting, record);
      else if (!waiting) showState(record);
    },

    close,

    /** Sign-out: the panel closes and nothing of the choices is kept. */
    stop() {
      close();
      kept.clear();
    },

    get openFor() {
      return dialog.open ? current?.uploadId || '' : '';
    },
  };
}
