// The pieces an upload is drawn with, alike in the uploads list and in the import history: the status
// badge, progress bars, the counts, and how far an undo of the import has come.

import { h, replace } from './dom.js';
import { formatNumber } from './format.js';
import { undoByline, undoHadFailures, undoProgressOf, undoProgressText, undoResultText } from './history-model.js';
import { UNDOING, UNDONE } from './uploads-model.js';

const BADGE = {
  success: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  warning: 'bg-amber-50 text-amber-900 ring-amber-200',
  danger: 'bg-rose-50 text-rose-800 ring-rose-200',
  muted: 'bg-slate-100 text-slate-700 ring-slate-200',
  active: 'bg-indigo-50 text-indigo-800 ring-indigo-200',
};

const BAR = {
  success: 'bg-emerald-500',
  warning: 'bg-amber-500',
  danger: 'bg-rose-500',
  muted: 'bg-slate-400',
  active: 'bg-indigo-600',
};

/** The status badge; `setBadge` gives it its words and colours. */
/**
 * One upload's card: its name and meta line on the left, its status badge and actions on the right, then
 * the parts below them (progress, counts, the undo, messages), in order.
 */
export function uploadCard({ name, meta, badge, actions }, ...below) {
  return h(
    'li',
    { class: 'rounded-lg border border-slate-200 bg-white p-3 focus:outline-none sm:p-4', tabindex: '-1' },
    h(
      'div',
      { class: 'flex flex-wrap items-start justify-between gap-x-4 gap-y-2' },
      h('div', { class: 'min-w-0 flex-1' }, name, meta),
      h('div', { class: 'flex items-center gap-2' }, badge, actions),
    ),
    ...below,
  );
}

export function statusBadge() {
  return h('span', {
    class: 'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
    'aria-live': 'polite',
  });
}

export function setBadge(badge, words, tone) {
  badge.textContent = words;
  badge.className = `inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${BADGE[tone] || BADGE.active}`;
}

export function progressBar(name) {
  const fill = h('div', { class: 'h-full w-0 rounded-full bg-indigo-600 transition-[width] duration-500' });
  const bar = h(
    'div',
    {
      role: 'progressbar',
      'aria-label': name,
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '0',
      class: 'h-2 w-full overflow-hidden rounded-full bg-slate-100',
    },
    fill,
  );
  return { bar, fill };
}

export function setProgress({ bar, fill }, percent, tone = 'active', valueText = '') {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  bar.setAttribute('aria-valuenow', String(value));
  if (valueText) bar.setAttribute('aria-valuetext', valueText);
  else bar.removeAttribute('aria-valuetext');
  fill.style.width = `${value}%`;
  fill.className = `h-full rounded-full transition-[width] duration-500 ${BAR[tone] || BAR.active}`;
}

function countColour(key, value) {
  if (!value) return 'text-slate-900';
  if (key === 'rejected') return 'text-amber-700';
  if (key === 'failed') return 'text-rose-700';
  return 'text-slate-900';
}

/** Fill a <dl> with counts ([{key, label, value}]): "New 11  Merged 1  Rejected 1  Failed 0". */
export function showCounts(list, entries) {
  replace(
    list,
    entries.map(({ key, label, value }) =>
      h(
        'div',
        { class: 'flex items-baseline gap-1.5' },
        h('dt', { class: 'text-slate-500' }, label),
        h('dd', { class: `font-semibold tabular-nums ${countColour(key, value)}` }, formatNumber(value)),
      ),
    ),
  );
}

/** The undo of an import: a progress bar while it runs, then what it did. Hidden until one is asked for. */
export function undoPart() {
  const progress = progressBar('Undo');
  const percent = h('span', { class: 'w-12 shrink-0 text-right text-xs text-slate-500 tabular-nums' });
  const running = h(
    'div',
    { class: 'flex items-center gap-3' },
    h('span', { class: 'w-24 shrink-0 text-xs text-slate-500' }, 'Undoing'),
    progress.bar,
    percent,
  );
  const result = h('p', { class: 'text-sm font-medium' });
  const byline = h('p', { class: 'mt-1 text-xs text-slate-500' });
  const box = h('div', { class: 'mt-3', hidden: true }, running, result, byline);
  return { box, running, progress, percent, result, byline };
}

export function renderUndo(part, view) {
  const status = view?.status;
  part.box.hidden = status !== UNDOING && status !== UNDONE;
  if (part.box.hidden) return;
  const done = status === UNDONE;
  part.running.hidden = done;
  if (!done) {
    setProgress(part.progress, undoProgressOf(view), 'active', undoProgressText(view));
    part.percent.textContent = undoProgressText(view);
  }
  part.result.hidden = !done;
  part.result.textContent = done ? undoResultText(view) : '';
  part.result.className = `text-sm font-medium ${undoHadFailures(view) ? 'text-amber-800' : 'text-slate-700'}`;
  part.byline.textContent = undoByline(view);
}
