// The team's import history and undoing an import, in words: who imported what, which imports may be
// undone, what an undo will do and what it did. Pure: no DOM.

import { formatDateTime, formatNumber, percentText, plural } from './format.js';
import { UNDOING, UNDONE, count, countEntries, importFinished } from './uploads-model.js';

/** What the history shows where a view has no importer's email (uploads from before it was kept). */
export const NO_OWNER = '—';

function undoOf(view) {
  return view?.undo && typeof view.undo === 'object' ? view.undo : {};
}

/** Who imported the file. */
export function importedBy(view) {
  const email = typeof view?.ownerEmail === 'string' ? view.ownerEmail.trim() : '';
  return email || NO_OWNER;
}

/** "Imported by ann@example.com · Nov 24, 2026, 4:55 PM" (the date left out when unreadable). */
export function importLine(view, dateOptions) {
  const date = formatDateTime(view?.createdAt, dateOptions);
  return `Imported by ${importedBy(view)}${date ? ` · ${date}` : ''}`;
}

/** The counts of an import: Rows, then New, Merged, Rejected, Failed (and Cancelled when any were). */
export function historyCounts(view) {
  return [{ key: 'rows', label: 'Rows', value: count(view, 'rows') }, ...countEntries(view)];
}

/** Whether an import's counts mean anything yet: once it is over, or once it has read some rows. */
export function showsCounts(view) {
  return Boolean(view) && (importFinished(view.status) || count(view, 'rows') > 0);
}

/** Whether to offer "Undo import": the server says the caller may, and no undo is under way or done. */
export function offersUndo(view) {
  return view?.canUndo === true && view.status !== UNDOING && view.status !== UNDONE;
}

export function isUndoing(view) {
  return view?.status === UNDOING;
}

/** The sentences of the confirmation: what an undo of this import will do, from its counts. */
export function undoConsequences(view) {
  const created = count(view, 'created');
  const updated = count(view, 'updated');
  const merged = updated === 1 ? 'the lead its one merged row changed' : `the leads its ${formatNumber(updated)} merged rows changed`;
  const sentences = [];
  if (created > 0 && updated > 0) {
    sentences.push(`Deletes ${plural(created, 'lead')} this import created and restores ${merged}.`);
  } else if (created > 0) {
    sentences.push(`Deletes ${plural(created, 'lead')} this import created.`);
  } else if (updated > 0) {
    sentences.push(`Restores ${merged}. It created no new leads, so none are deleted.`);
  } else {
    sentences.push('This import neither created nor changed any lead: undoing it changes no lead.');
  }
  // The undo never takes away newer data: a lead a later import also brought in stays (docs/undo.md), and a
  // field changed again since keeps its newer value.
  if (created > 0) {
    sentences.push('Leads a later import also brought in are kept, and fields a later import changed again keep the later value.');
  } else if (updated > 0) {
    sentences.push('Fields a later import changed again keep the later value.');
  }
  sentences.push('The import stays in this history, marked Undone.');
  return sentences;
}

/** The undo's progress, 0–100: 100 exactly when done. */
export function undoProgressOf(view) {
  if (view?.status === UNDONE) return 100;
  const number = Number(undoOf(view).progress);
  return Number.isFinite(number) ? Math.max(0, Math.min(99, Math.round(number))) : 0;
}

export function undoProgressText(view) {
  return percentText(undoProgressOf(view));
}

/** "Undone: 412 deleted, 57 restored, 2 conflicts" (conflicts and failures only when there are any). */
export function undoResultText(view) {
  const undo = undoOf(view);
  const parts = [`${formatNumber(count(undo, 'deleted'))} deleted`, `${formatNumber(count(undo, 'restored'))} restored`];
  if (count(undo, 'conflicts') > 0) parts.push(plural(count(undo, 'conflicts'), 'conflict'));
  if (count(undo, 'failed') > 0) parts.push(`${formatNumber(count(undo, 'failed'))} failed`);
  return `Undone: ${parts.join(', ')}`;
}

/** Whether some leads could not be undone (the result is then shown as a warning). */
export function undoHadFailures(view) {
  return count(undoOf(view), 'failed') > 0;
}

/** Why an undo asked for did not start (the import is back as it was, and may be undone again); "" if none. */
export function undoFailureText(view) {
  const reason = typeof undoOf(view).error === 'string' ? undoOf(view).error.trim() : '';
  if (!reason || view.status === UNDOING || view.status === UNDONE) return '';
  return `The undo did not start: ${reason}`;
}

/** Who asked for the undo and when: "Undo requested by …" while it runs, "Undone by …" once done. */
export function undoByline(view, dateOptions) {
  const undo = undoOf(view);
  const who = typeof undo.requestedBy === 'string' && undo.requestedBy.trim() ? undo.requestedBy.trim() : NO_OWNER;
  const done = view?.status === UNDONE;
  const date = formatDateTime(done ? undo.finishedAt || undo.requestedAt : undo.requestedAt, dateOptions);
  return `${done ? 'Undone' : 'Undo requested'} by ${who}${date ? ` · ${date}` : ''}`;
}

/** The line above the list: how many imports it shows, and that older ones are left out at the limit. */
export function historyCountText(shown, limit) {
  const number = Math.max(0, Number(shown) || 0);
  if (number === 0) return '';
  if (number >= limit) return `The ${formatNumber(number)} most recent imports of your team.`;
  return `${plural(number, 'import')} by your team.`;
}
