// The import history: the whole team's imports (GET /uploads?scope=team) in a dialog, each with who
// imported it, its counts and its state, and "Undo import" where the caller may take an import back
// (POST /uploads/{id}/undo, after a confirmation). An undo is followed until it is done, also while the
// dialog is closed.

import { byId, h, replace, showText } from './dom.js';
import { isAbort } from './errors.js';
import {
  historyCountText,
  historyCounts,
  importLine,
  isUndoing,
  offersUndo,
  showsCounts,
  undoConsequences,
  undoFailureText,
} from './history-model.js';
import { createPoller } from './poll.js';
import { renderUndo, setBadge, showCounts, statusBadge, undoPart, uploadCard } from './upload-parts.js';
import { UNDONE, fingerprint, statusText, statusTone } from './uploads-model.js';

const HISTORY_LIMIT = 50;

let rowCount = 0;

/**
 * The history dialog and its confirmation. `onUndoStarted(view)` hears about an undo the server accepted;
 * `onUndone(view)` about an undo that finished while this page followed it (the leads and charts reload).
 */
export function createHistory({ api, onUndoStarted = () => {}, onUndone = () => {} }) {
  const openButton = byId('history-open');
  const dialog = byId('history-dialog');
  const closeButton = byId('history-close');
  const refreshButton = byId('history-refresh');
  const status = byId('history-status');
  const listError = byId('history-error');
  const empty = byId('history-empty');
  const list = byId('history-list');
  const confirmDialog = byId('undo-dialog');
  const confirmFile = byId('undo-dialog-file');
  const confirmText = byId('undo-dialog-text');
  const confirmButton = byId('undo-confirm');
  const cancelButton = byId('undo-cancel');

  const rows = new Map(); // uploadId → row
  let active = false;
  let listController = null;
  let pending = null; // {row, opener} while the confirmation is open

  // --- rows -----------------------------------------------------------------------------------------

  function createRow(view) {
    rowCount += 1;
    const nameId = `history-${rowCount}-name`;
    const name = h('p', { id: nameId, class: 'truncate font-medium text-slate-900' });
    const meta = h('p', { class: 'mt-0.5 text-xs break-words text-slate-500' });
    const badge = statusBadge();
    const actions = h('div', { class: 'flex items-center gap-2' });
    const counts = h('dl', { class: 'mt-3 flex flex-wrap gap-x-5 gap-y-1 text-sm', hidden: true });
    const undo = undoPart();
    const error = h('p', { role: 'alert', class: 'notice notice-error mt-3', hidden: true });
    const li = uploadCard({ name, meta, badge, actions }, counts, undo.box, error);
    const row = {
      uploadId: view.uploadId,
      nameId,
      view,
      requesting: false, // the POST of an undo is on its way
      refused: false, // the server said this import is not the caller's to undo (404)
      undoError: '', // the server's refusal of an undo asked for here, shown until the next one
      pollError: '',
      poller: null,
      el: { li, name, meta, badge, actions, counts, undo, error },
    };
    rows.set(row.uploadId, row);
    return row;
  }

  function render(row) {
    const { el, view } = row;
    el.name.textContent = view.fileName || view.uploadId;
    el.name.setAttribute('title', view.fileName || view.uploadId);
    el.meta.textContent = importLine(view);
    setBadge(el.badge, statusText(view), statusTone(view.status));

    // "Undo import" only where the server allows it; rebuilt only when it changes, so no click is lost.
    const undoable = offersUndo(view) && !row.refused;
    const actionsKey = `${undoable}|${row.requesting}`;
    if (row.actionsKey !== actionsKey) {
      row.actionsKey = actionsKey;
      const focused = el.actions.contains(document.activeElement);
      replace(
        el.actions,
        undoable
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn btn-secondary btn-small text-rose-700',
                'aria-describedby': row.nameId,
                'aria-disabled': row.requesting ? 'true' : null,
                onClick: (event) => askToUndo(row, event.currentTarget),
              },
              row.requesting ? 'Undoing…' : 'Undo import',
            )
          : null,
      );
      if (focused) (el.actions.querySelector('button') || el.li).focus();
    }

    el.counts.hidden = !showsCounts(view);
    if (!el.counts.hidden) showCounts(el.counts, historyCounts(view));
    renderUndo(el.undo, view);
    showText(el.error, [row.undoError, undoFailureText(view), row.pollError].filter(Boolean).join(' '));
  }

  function setView(row, view) {
    row.view = view;
    render(row);
  }

  /** The list as the server sent it (newest first); rows of undos being followed keep their newer view. */
  function show(uploads) {
    const shown = new Set();
    const items = [];
    for (const view of uploads) {
      if (!view || !view.uploadId || shown.has(view.uploadId)) continue;
      shown.add(view.uploadId);
      const known = rows.get(view.uploadId);
      const row = known || createRow(view);
      if (!known || !known.poller) row.view = view;
      render(row);
      items.push(row.el.li);
      follow(row);
    }
    for (const [uploadId, row] of rows) {
      if (shown.has(uploadId)) continue;
      row.poller?.stop();
      rows.delete(uploadId);
    }
    replace(list, items);
    empty.hidden = items.length > 0;
    status.textContent = historyCountText(items.length, HISTORY_LIMIT);
  }

  async function load() {
    listController?.abort();
    listController = new AbortController();
    showText(listError, '');
    status.textContent = "Loading your team's imports…";
    refreshButton.disabled = true;
    try {
      const answer = await api.get('/uploads', {
        params: `scope=team&limit=${HISTORY_LIMIT}`,
        signal: listController.signal,
      });
      if (!active) return;
      show(Array.isArray(answer?.uploads) ? answer.uploads : []);
    } catch (error) {
      if (!active || isAbort(error)) return;
      status.textContent = '';
      showText(listError, error.message);
    } finally {
      if (active) refreshButton.disabled = false;
    }
  }

  // --- following an undo ----------------------------------------------------------------------------

  function follow(row) {
    if (!active || row.poller || !isUndoing(row.view)) return;
    row.poller = createPoller({
      load: (signal) => api.get(`/status/${encodeURIComponent(row.uploadId)}`, { signal }),
      fingerprint,
      isFinal: (view) => !isUndoing(view),
      onUpdate: (view) => {
        row.pollError = '';
        setView(row, view);
      },
      onError: (error) => {
        row.pollError = error.message;
        render(row);
      },
      isFatal: (error) => [401, 403, 404].includes(error.status),
      onFinal: (view) => {
        row.poller = null;
        if (view?.status === UNDONE) onUndone(view);
      },
    });
    row.poller.start(row.view);
  }

  /**
   * The server would not start an undo because the import moved on (409), e.g. undone from another tab:
   * show where it is now, follow an undo still running, and reload the leads after one that ended.
   */
  async function reread(row) {
    try {
      const view = await api.get(`/status/${encodeURIComponent(row.uploadId)}`);
      if (!active || !view || typeof view !== 'object') return;
      setView(row, view);
      if (view.status === UNDONE) onUndone(view);
      else follow(row);
    } catch {
      // The refusal already shows on the row; this was only a look at what happened meanwhile.
    }
  }

  async function undo(row) {
    if (row.requesting || !offersUndo(row.view)) return;
    row.requesting = true;
    row.undoError = '';
    render(row);
    try {
      const view = await api.post(`/uploads/${encodeURIComponent(row.uploadId)}/undo`);
      if (!active) return;
      row.requesting = false;
      if (view && typeof view === 'object' && view.status) setView(row, view);
      else render(row);
      follow(row);
      onUndoStarted(row.view);
    } catch (error) {
      if (!active || isAbort(error)) return;
      row.requesting = false;
      row.undoError = error.message;
      if (error.status === 404) row.refused = true;
      render(row);
      if (error.status === 409) reread(row);
    }
  }

  // --- the confirmation -----------------------------------------------------------------------------

  function askToUndo(row, opener) {
    if (row.requesting || !offersUndo(row.view)) return;
    pending = { row, opener };
    confirmFile.textContent = row.view.fileName || row.uploadId;
    replace(
      confirmText,
      undoConsequences(row.view).map((sentence) => h('p', {}, sentence)),
    );
    confirmDialog.showModal();
    cancelButton.focus(); // the safe choice first: Enter on a reflex must not delete leads
  }

  /** The confirmation closed (either way): the focus goes back to the row it was opened from. */
  function confirmClosed() {
    if (!pending) return;
    const { row, opener } = pending;
    pending = null;
    replace(confirmText);
    confirmFile.textContent = '';
    // A confirmed undo rebuilt the row's button ("Undoing…"): the focus goes to the new one.
    const target = opener?.isConnected ? opener : row.el.actions.querySelector('button') || row.el.li;
    if (target.isConnected) target.focus();
  }

  confirmButton.addEventListener('click', () => {
    const row = pending?.row;
    confirmDialog.close();
    if (row) undo(row);
  });
  cancelButton.addEventListener('click', () => confirmDialog.close());
  confirmDialog.addEventListener('click', (event) => {
    if (event.target === confirmDialog) confirmDialog.close(); // the backdrop
  });
  // Escape closes the confirmation by itself: nothing is undone.
  confirmDialog.addEventListener('close', confirmClosed);

  // --- the dialog -----------------------------------------------------------------------------------

  openButton.addEventListener('click', () => {
    if (!active) return;
    if (!dialog.open) dialog.showModal();
    closeButton.focus();
    load();
  });
  refreshButton.addEventListener('click', load);
  closeButton.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // the backdrop
  });
  dialog.addEventListener('close', () => {
    listController?.abort();
    listController = null;
    if (active) openButton.focus();
  });

  return {
    start() {
      active = true;
    },

    /** Sign-out: the dialogs close, every poll stops, nothing of the team's imports stays in the page. */
    stop() {
      active = false;
      if (confirmDialog.open) confirmDialog.close();
      if (dialog.open) dialog.close();
      listController?.abort();
      listController = null;
      for (const row of rows.values()) row.poller?.stop();
      rows.clear();
      replace(list);
      showText(listError, '');
      status.textContent = '';
      empty.hidden = true;
      refreshButton.disabled = false;
    },
  };
}
