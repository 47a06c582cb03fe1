// Uploading spreadsheets and following them: one row per file, the bytes sent to S3, then the processing
// status polled until it is final.

import { byId, h, replace, safeHttpUrl, showText } from './dom.js';
import { isAbort, s3ErrorMessage } from './errors.js';
import { formatBytes, formatDateTime, formatNumber, percentText } from './format.js';
import { undoFailureText } from './history-model.js';
import { createPoller } from './poll.js';
import { createReview } from './review.js';
import { progressBar, renderUndo, setBadge, setProgress, showCounts, statusBadge, undoPart, uploadCard } from './upload-parts.js';
import {
  awaitsReview,
  contentTypeFor,
  countEntries,
  fingerprint,
  importFinished,
  isAbandoned,
  isFinal,
  progressOf,
  statusText,
  statusTone,
  worksheetEntries,
} from './uploads-model.js';

const MAX_PARALLEL_SENDS = 3;
const REPORT_LINK_FRESH_MS = 10 * 60 * 1000;

/**
 * The uploads panel. `api` is the REST client; `onFinished(view)` hears about every upload that reaches a
 * final state while this page watches it (so the lead list and the charts can reload).
 */
export function createUploads({ api, onFinished = () => {}, onStarted = () => {} }) {
  const list = byId('upload-list');
  const input = byId('file-input');
  const zone = byId('drop-zone');
  const empty = byId('uploads-empty');
  const listError = byId('uploads-error');
  const reviewOption = byId('review-columns');

  const rows = new Map(); // key → row; a row's key is its uploadId once it has one
  const rowOf = new WeakMap(); // li → row
  const queue = [];
  let sending = 0;
  let active = false;
  let loaded = false;
  let localCount = 0;
  let listController = null;

  const review = createReview({
    api,
    onConfirmed: (uploadId, record) => {
      const row = rows.get(uploadId);
      if (!row || !active) return;
      if (record?.status) setView(row, record);
      row.pollError = '';
      render(row);
      if (!row.poller) follow(row);
      row.poller?.kick(); // from resting back to following the import closely
    },
    onCancel: (uploadId) => {
      const row = rows.get(uploadId);
      if (row) cancel(row);
    },
    onStale: (uploadId) => rows.get(uploadId)?.poller?.kick(),
  });

  // --- rows -----------------------------------------------------------------------------------------

  function createRow({ key, uploadId = '', fileName, fileSize, view = null, phase = 'server', review: wanted = false }) {
    const name = h('p', { class: 'truncate font-medium text-slate-900' }, fileName);
    name.setAttribute('title', fileName);
    const meta = h('p', { class: 'mt-0.5 text-xs text-slate-500' });
    const status = statusBadge();
    const actions = h('div', { class: 'flex items-center gap-2' });
    const transfer = progressBar('File transfer');
    const transferText = h('span', { class: 'w-12 shrink-0 text-right text-xs text-slate-500 tabular-nums' });
    const transferBox = h(
      'div',
      { class: 'mt-3 flex items-center gap-3', hidden: true },
      h('span', { class: 'w-24 shrink-0 text-xs text-slate-500' }, 'Sending file'),
      transfer.bar,
      transferText,
    );
    const processing = progressBar('Processing');
    const processingLabel = h('span', { class: 'w-24 shrink-0 text-xs text-slate-500' }, 'Processing');
    const processingText = h('span', { class: 'w-12 shrink-0 text-right text-xs text-slate-500 tabular-nums' });
    const processingBox = h(
      'div',
      { class: 'mt-3 flex items-center gap-3', hidden: true },
      processingLabel,
      processing.bar,
      processingText,
    );
    const counts = h('dl', { class: 'mt-3 flex flex-wrap gap-x-5 gap-y-1 text-sm', hidden: true });
    const undo = undoPart();
    const sheets = h('div', { hidden: true });
    const report = h(
      'a',
      {
        class: 'font-medium text-indigo-700 underline underline-offset-2 hover:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-600',
      },
      'Rejected rows report',
    );
    const links = h('p', { class: 'mt-2 text-sm', hidden: true }, report);
    const reviewButton = h('button', { type: 'button', class: 'btn btn-primary btn-small' }, 'Review columns');
    const reviewBox = h(
      'div',
      {
        class: 'mt-3 flex flex-wrap items-center justify-between gap-x-4 gap-y-2 rounded-lg bg-amber-50 px-3 py-2 ring-1 ring-amber-200 ring-inset',
        hidden: true,
      },
      h('p', { class: 'min-w-0 flex-1 text-sm text-amber-900' }, 'Check how its columns will be read, then start the import. Nothing is imported until you do.'),
      reviewButton,
    );
    const error = h('p', { role: 'alert', class: 'notice notice-error mt-3', hidden: true });
    const warning = h('p', { class: 'notice notice-warning mt-3', hidden: true });
    const li = uploadCard(
      { name, meta, badge: status, actions },
      transferBox,
      reviewBox,
      processingBox,
      counts,
      undo.box,
      sheets,
      links,
      error,
      warning,
    );
    const row = {
      key,
      uploadId,
      fileName,
      fileSize,
      view,
      phase, // requesting | sending | sendFailed | rejected | server
      review: wanted, // started here with "Review columns before importing"
      sent: 0,
      total: fileSize,
      error: '',
      pollError: '',
      cancelError: '',
      cancelling: false,
      xhr: null,
      poller: null,
      addedAt: Date.now(),
      viewAt: view ? Date.now() : 0,
      el: { li, report, processingLabel, meta, status, actions, transfer, transferText, transferBox, reviewBox, reviewButton, processing, processingText, processingBox, counts, undo, sheets, links, error, warning },
    };
    rows.set(key, row);
    rowOf.set(li, row);
    report.addEventListener('click', (event) => openReport(row, event));
    reviewButton.addEventListener('click', () =>
      review.open({ uploadId: row.uploadId, fileName: row.view?.fileName || row.fileName, opener: reviewButton, fallback: li }),
    );
    return row;
  }

  function setView(row, view) {
    row.view = view;
    row.viewAt = Date.now();
  }

  /**
   * The report link is presigned and lapses after 15 minutes: an older one is fetched anew first, so the
   * download works however long the page has been open.
   */
  async function openReport(row, event) {
    if (Date.now() - row.viewAt < REPORT_LINK_FRESH_MS || !row.uploadId) return;
    event.preventDefault();
    try {
      const view = await api.get(`/status/${encodeURIComponent(row.uploadId)}`);
      if (!active) return;
      setView(row, view);
      row.pollError = '';
      render(row);
      const url = safeHttpUrl(view?.rejectsUrl);
      if (url) {
        const link = h('a', { href: url, class: 'hidden' });
        document.body.append(link);
        link.click();
        link.remove();
      }
    } catch (error) {
      if (!active || isAbort(error)) return;
      row.pollError = error.message;
      render(row);
    }
  }

  function rekey(row, uploadId) {
    // GET /uploads may have listed this upload before its POST /upload answer arrived: one row only.
    const twin = rows.get(uploadId);
    if (twin && twin !== row) {
      twin.poller?.stop();
      twin.el.li.remove();
    }
    rows.delete(row.key);
    row.key = uploadId;
    row.uploadId = uploadId;
    rows.set(uploadId, row);
  }

  function statusWords(row) {
    switch (row.phase) {
      case 'requesting':
        return ['Preparing…', 'active'];
      case 'sending':
        return ['Sending…', 'active'];
      case 'rejected':
        return ['Not uploaded', 'danger'];
      case 'sendFailed':
        return ['Upload failed', 'danger'];
      default:
        if (!row.view) return [row.review ? 'Reading the file…' : 'Queued for processing', 'active'];
        return [statusText(row.view), statusTone(row.view.status)];
    }
  }

  function canCancel(row) {
    if (!row.uploadId || row.phase === 'rejected' || row.phase === 'sendFailed') return false;
    if (row.phase === 'sending') return true;
    return !row.view || !importFinished(row.view.status);
  }

  function render(row) {
    const { el, view } = row;
    // Final for the import: an import being undone is over, though its row still moves.
    const final = Boolean(view && importFinished(view.status)) && row.phase === 'server';

    const metaParts = [];
    const size = view?.fileSize ?? row.fileSize;
    if (size !== undefined && size !== null && size !== '') metaParts.push(formatBytes(size));
    if (view?.createdAt) metaParts.push(formatDateTime(view.createdAt));
    if (view && Number(view.rows) > 0) metaParts.push(`${formatNumber(view.rows)} ${Number(view.rows) === 1 ? 'row' : 'rows'}`);
    el.meta.textContent = metaParts.join(' · ');

    setBadge(el.status, ...statusWords(row));

    // Actions: Cancel while the upload runs; Dismiss for a file the server never took. The buttons are
    // only rebuilt when they change, so a click is never lost to a progress update.
    const cancellable = canCancel(row);
    const dismissable = row.phase === 'rejected' || row.phase === 'sendFailed';
    const actionsKey = `${cancellable}|${row.cancelling}|${dismissable}`;
    if (row.actionsKey !== actionsKey) {
      row.actionsKey = actionsKey;
      const focused = el.actions.contains(document.activeElement);
      const buttons = [];
      if (cancellable) {
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary btn-small',
              'aria-disabled': row.cancelling ? 'true' : null,
              onClick: () => cancel(row),
            },
            row.cancelling ? 'Cancelling…' : 'Cancel',
          ),
        );
      }
      if (dismissable) {
        buttons.push(
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', onClick: () => dismiss(row) }, 'Dismiss'),
        );
      }
      replace(el.actions, buttons);
      if (focused) (el.actions.querySelector('button') || el.li).focus();
    }

    // The bytes on their way to S3.
    el.transferBox.hidden = row.phase !== 'sending';
    if (row.phase === 'sending') {
      const percent = row.total > 0 ? (100 * row.sent) / row.total : 0;
      setProgress(el.transfer, percent, 'active', `${formatBytes(row.sent)} of ${formatBytes(row.total)}`);
      el.transferText.textContent = percentText(percent);
    }

    // Columns awaiting review: nothing moves until the user looks at them.
    const reviewing = row.phase === 'server' && awaitsReview(view) && !view.cancelRequested;
    if (!reviewing && !el.reviewBox.hidden && el.reviewBox.contains(document.activeElement)) el.li.focus();
    el.reviewBox.hidden = !reviewing;
    review.statusChanged(row.uploadId, view);

    // Processing, fed by the status API.
    const processingShown = row.phase === 'server' && !reviewing;
    el.processingBox.hidden = !processingShown;
    if (processingShown) {
      const percent = progressOf(view);
      const valueText = view?.totalBatches
        ? `${percentText(percent)} (${formatNumber(view.completedBatches || 0)} of ${formatNumber(view.totalBatches)} batches)`
        : percentText(percent);
      setProgress(el.processing, percent, final ? statusTone(view.status) : 'active', valueText);
      // The final state is said in words; no number after it to confuse with a count.
      el.processingText.textContent = final ? '' : percentText(percent);
      el.processingLabel.textContent = final ? 'Processed' : 'Processing';
    }

    // Counts once there is something to count.
    const countsShown = row.phase === 'server' && view && (final || Number(view.rows) > 0);
    el.counts.hidden = !countsShown;
    if (countsShown) showCounts(el.counts, countEntries(view));

    // An undo of the import: its progress, then what it did.
    renderUndo(el.undo, row.phase === 'server' ? view : null);

    // Per worksheet, folded away (a workbook can have many).
    const sheets = final ? worksheetEntries(view) : [];
    el.sheets.hidden = sheets.length < 2;
    if (sheets.length >= 2) {
      replace(
        el.sheets,
        h(
          'details',
          { class: 'mt-2 text-sm' },
          h('summary', { class: 'cursor-pointer text-slate-600 hover:text-slate-900' }, `By worksheet (${sheets.length})`),
          h(
            'div',
            { class: 'mt-2 overflow-x-auto' },
            h(
              'p',
              { class: 'space-y-1 text-slate-600' },
              sheets.map((sheet) =>
                h(
                  'span',
                  { class: 'block' },
                  h('span', { class: 'font-medium text-slate-800' }, sheet.sheet),
                  ` — ${formatNumber(sheet.rows)} rows: ${formatNumber(sheet.created)} new, ${formatNumber(sheet.updated)} merged, ${formatNumber(sheet.rejected)} rejected, ${formatNumber(sheet.failed)} failed`,
                  sheet.cancelled ? `, ${formatNumber(sheet.cancelled)} cancelled` : '',
                ),
              ),
            ),
          ),
        ),
      );
    }

    // The rejected-rows report.
    const report = view && Number(view.rejected) > 0 ? safeHttpUrl(view.rejectsUrl) : '';
    el.links.hidden = !report;
    if (report) el.report.setAttribute('href', report);
    else el.report.removeAttribute('href');

    // Errors in words.
    const problems = [row.error, view?.error, undoFailureText(view), row.cancelError, row.pollError].filter(Boolean);
    showText(el.error, [...new Set(problems)].join(' '));
    const warnings = [...(Array.isArray(view?.warnings) ? view.warnings : [])];
    if (view?.llmError) warnings.push(`AI clean-up: ${view.llmError} The standard rules were used instead.`);
    showText(el.warning, warnings.join(' '));
  }

  function isAbandonedRow(row) {
    return Boolean(row.phase === 'server' && row.view && isAbandoned(row.view));
  }

  function place(row, atTop) {
    if (atTop) list.prepend(row.el.li);
    else list.append(row.el.li);
    empty.hidden = true;
  }

  function sortTime(row) {
    const created = Date.parse(row.view?.createdAt || '');
    return Number.isFinite(created) ? created : row.addedAt;
  }

  /** Newest first: before the first row that is older. */
  function placeByAge(row) {
    const time = sortTime(row);
    const older = Array.from(list.children).find((li) => {
      const other = rowOf.get(li);
      return other && sortTime(other) < time;
    });
    if (older) list.insertBefore(row.el.li, older);
    else list.append(row.el.li);
    empty.hidden = true;
  }

  function updateEmpty() {
    empty.hidden = !loaded || rows.size > 0;
  }

  function dismiss(row) {
    row.poller?.stop();
    rows.delete(row.key);
    const next = row.el.li.nextElementSibling || row.el.li.previousElementSibling;
    row.el.li.remove();
    updateEmpty();
    (next?.querySelector('button, a') || input).focus();
  }

  // --- polling --------------------------------------------------------------------------------------

  function follow(row) {
    if (!active || !row.uploadId || row.poller || isAbandonedRow(row)) return;
    if (row.view && isFinal(row.view.status)) return;
    row.poller = createPoller({
      load: (signal) => api.get(`/status/${encodeURIComponent(row.uploadId)}`, { signal }),
      fingerprint,
      isFinal: (view) => isFinal(view?.status),
      onUpdate: (view) => {
        setView(row, view);
        row.pollError = '';
        render(row);
      },
      onError: (error) => {
        row.pollError = error.message;
        render(row);
      },
      isFatal: (error) => [401, 403, 404].includes(error.status),
      isResting: awaitsReview, // only the user ends it: a slow poll notices a change made elsewhere
      onFinal: (view) => {
        row.poller = null;
        onFinished(view);
      },
    });
    row.poller.start(row.view || undefined);
  }

  async function cancel(row) {
    if (row.cancelling || !row.uploadId) return;
    row.cancelling = true;
    row.cancelError = '';
    if (row.xhr) {
      row.xhr.abort(); // the file stops here; the server then closes the upload at once
      row.phase = 'server';
    }
    render(row);
    try {
      const view = await api.post(`/status/${encodeURIComponent(row.uploadId)}/cancel`);
      if (!active) return;
      if (view && typeof view === 'object' && view.status) setView(row, view);
      row.pollError = '';
      if (row.view && isFinal(row.view.status)) {
        row.poller?.stop();
        row.poller = null;
        row.cancelling = false;
        render(row);
        onFinished(row.view);
        return;
      }
      if (!row.poller) follow(row);
      row.poller?.kick();
    } catch (error) {
      if (!active || isAbort(error)) return;
      row.cancelError = error.message;
      if (!row.poller) follow(row);
      row.poller?.kick(); // 409: it finished meanwhile; the next poll shows how
    } finally {
      row.cancelling = false;
      if (active) render(row);
    }
  }

  // --- sending files --------------------------------------------------------------------------------

  function sendToStorage(row, upload, file) {
    return new Promise((resolve) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields || {})) form.append(name, value);
      form.append('file', file);
      const xhr = new XMLHttpRequest();
      row.xhr = xhr;
      xhr.open('POST', upload.url);
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable || row.phase !== 'sending') return;
        row.sent = event.loaded;
        row.total = event.total;
        render(row);
      };
      xhr.onload = () => resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => resolve({ ok: false, status: 0, body: '' });
      xhr.ontimeout = () => resolve({ ok: false, status: 0, body: '' });
      xhr.onabort = () => resolve({ aborted: true });
      xhr.send(form);
    }).finally(() => {
      row.xhr = null;
    });
  }

  async function upload(row, file) {
    let answer;
    try {
      answer = await api.post('/upload', {
        fileName: file.name,
        fileSize: file.size,
        contentType: contentTypeFor(file.name, file.type),
        review: row.review,
      });
    } catch (error) {
      if (!active || isAbort(error)) return;
      row.phase = 'rejected';
      row.error = error.message;
      render(row);
      return;
    }
    if (!active) return;
    if (!answer || !answer.uploadId || !answer.upload || !safeHttpUrl(answer.upload.url)) {
      row.phase = 'rejected';
      row.error = 'The server did not say where to send the file. Please try again.';
      render(row);
      return;
    }
    rekey(row, answer.uploadId);
    row.phase = 'sending';
    row.sent = 0;
    render(row);
    onStarted(answer.uploadId);

    const result = await sendToStorage(row, answer.upload, file);
    if (!active || result.aborted) return;
    if (!result.ok) {
      row.phase = 'sendFailed';
      row.error = s3ErrorMessage(result.status, result.body);
      render(row);
      // The server is still waiting for this file: close the upload so it does not wait forever.
      api.post(`/status/${encodeURIComponent(row.uploadId)}/cancel`).catch(() => {
        // The row already says the upload failed; an unclosed upload ends when its link lapses.
      });
      return;
    }
    row.phase = 'server';
    render(row);
    follow(row);
  }

  function pump() {
    while (active && sending < MAX_PARALLEL_SENDS && queue.length) {
      const { row, file } = queue.shift();
      sending += 1;
      upload(row, file).finally(() => {
        sending -= 1;
        pump();
      });
    }
  }

  function addFiles(files) {
    if (!active) return;
    const chosen = Array.from(files || []);
    const wanted = reviewOption.checked; // as the option stood when the files were chosen
    const added = chosen.map((file) => {
      localCount += 1;
      const row = createRow({
        key: `local-${localCount}`,
        fileName: file.name,
        fileSize: file.size,
        phase: 'requesting',
        review: wanted,
      });
      render(row);
      return { row, file };
    });
    // On top of the list, in the order the files were chosen; sent in that order too.
    for (const { row } of [...added].reverse()) place(row, true);
    queue.push(...added);
    pump();
  }

  // --- the caller's uploads from GET /uploads -------------------------------------------------------

  /** Show the uploads the server knows (newest first); new ones get a row, running ones are followed. */
  function merge(uploads) {
    if (!active) return;
    loaded = true;
    const fresh = [];
    for (const view of Array.isArray(uploads) ? uploads : []) {
      if (!view || !view.uploadId) continue;
      const known = rows.get(view.uploadId);
      if (known) {
        // A row this page follows knows better; one it does not follow takes the newer record.
        if (!known.poller && known.phase === 'server') {
          setView(known, view);
          render(known);
          follow(known);
        }
        continue;
      }
      const row = createRow({ key: view.uploadId, uploadId: view.uploadId, fileName: view.fileName || view.uploadId, fileSize: view.fileSize, view });
      render(row);
      fresh.push(row);
    }
    fresh.forEach(placeByAge);
    fresh.forEach(follow);
    updateEmpty();
  }

  // --- drag and drop --------------------------------------------------------------------------------

  const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files');
  const highlight = (on) => {
    zone.classList.toggle('border-indigo-500', on);
    zone.classList.toggle('bg-indigo-50', on);
    zone.classList.toggle('border-slate-300', !on);
    zone.classList.toggle('bg-slate-50', !on);
  };

  zone.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    highlight(true);
  });
  zone.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = active ? 'copy' : 'none';
    highlight(true);
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget)) highlight(false);
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    highlight(false);
    addFiles(event.dataTransfer?.files);
  });
  // A file dropped next to the zone must not replace the app with the file.
  window.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener('drop', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = '';
  });

  return {
    start() {
      active = true;
      loaded = false;
    },

    /** GET /uploads; the list goes to `merge` here and to whoever else shows uploads (returned). */
    async load() {
      listController?.abort();
      listController = new AbortController();
      try {
        const answer = await api.get('/uploads', { params: 'limit=20', signal: listController.signal });
        if (!active) return null;
        showText(listError, '');
        const uploads = Array.isArray(answer?.uploads) ? answer.uploads : [];
        merge(uploads);
        return uploads;
      } catch (error) {
        if (!active || isAbort(error)) return null;
        showText(listError, error.message);
        throw error;
      }
    },

    addFiles,

    /** Stop everything (sign-out): no poll, no transfer, no row left. */
    stop() {
      active = false;
      review.stop();
      listController?.abort();
      listController = null;
      queue.length = 0;
      for (const row of rows.values()) {
        row.poller?.stop();
        row.poller = null;
        if (row.xhr) row.xhr.abort();
      }
      rows.clear();
      replace(list);
      showText(listError, '');
      empty.hidden = true;
      highlight(false);
    },

    get runningCount() {
      let count = 0;
      for (const row of rows.values()) if (row.poller?.running || row.xhr) count += 1;
      return count;
    },
  };
}
