// "At a glance": leads by source, leads by industry and recent uploads, as inline SVG bar charts.
// Each chart is an image named by its <title> (a summary in words) with a <title> per bar for the hover
// tooltip, and the same numbers as a list for screen readers.

import { byId, h, replace, s } from './dom.js';
import { isAbort } from './errors.js';
import { formatDateTime, formatNumber } from './format.js';
import { horizontalBars, stackedBars, summaryItems, truncateLabel } from './chart-geometry.js';
import { COUNTS, uploadChartRows } from './uploads-model.js';

const SUMMARY_TOP = 8;
const LABEL_CHARS = 17;
const SEGMENT_FILL = {
  created: 'fill-indigo-500',
  updated: 'fill-sky-400',
  rejected: 'fill-amber-400',
  failed: 'fill-rose-500',
  cancelled: 'fill-slate-300',
};
const SWATCH = {
  created: 'bg-indigo-500',
  updated: 'bg-sky-400',
  rejected: 'bg-amber-400',
  failed: 'bg-rose-500',
  cancelled: 'bg-slate-300',
};

function leadsWord(count) {
  return Number(count) === 1 ? 'lead' : 'leads';
}

function note(text) {
  return h('p', { class: 'py-6 text-center text-sm text-slate-500' }, text);
}

function problem(text) {
  return h('p', { role: 'alert', class: 'notice notice-error' }, text);
}

function svgFrame(geometry, summary, ...content) {
  return s(
    'svg',
    {
      viewBox: `0 0 ${geometry.width} ${geometry.height}`,
      role: 'img',
      class: 'block h-auto w-full overflow-visible',
      focusable: 'false',
    },
    s('title', {}, summary),
    ...content,
  );
}

function rowLabel(bar) {
  return s(
    'text',
    {
      x: bar.labelX,
      y: bar.textY,
      'text-anchor': 'end',
      'dominant-baseline': 'central',
      class: 'fill-slate-600 text-[11px]',
    },
    truncateLabel(bar.label, LABEL_CHARS),
  );
}

function valueLabel(bar, value) {
  return s(
    'text',
    {
      x: bar.valueX,
      y: bar.textY,
      'dominant-baseline': 'central',
      class: 'fill-slate-700 text-[11px] font-semibold tabular-nums',
    },
    formatNumber(value),
  );
}

/** A horizontal bar chart of {label, value} items, or a note when there is nothing to draw. */
export function barChart(title, items) {
  if (!items.length) return note('No data yet');
  const geometry = horizontalBars(items);
  const described = items.map((item) => `${item.label}: ${formatNumber(item.value)} ${leadsWord(item.value)}`);
  const bars = geometry.bars.map((bar, index) =>
    s(
      'g',
      {},
      s('title', {}, described[index]),
      rowLabel(bar),
      s('rect', {
        x: bar.x,
        y: bar.y,
        width: bar.width,
        height: bar.height,
        rx: 3,
        class: bar.kind ? 'fill-slate-300' : 'fill-indigo-500',
      }),
      valueLabel(bar, bar.value),
    ),
  );
  return h(
    'div',
    {},
    svgFrame(geometry, `${title}: ${described.join(', ')}.`, ...bars),
    h('ul', { class: 'sr-only' }, described.map((text) => h('li', {}, text))),
  );
}

function describeUpload(row) {
  const parts = COUNTS.filter(({ key }) => key !== 'cancelled' || row.values.cancelled > 0).map(
    ({ key, label }) => `${formatNumber(row.values[key])} ${label.toLowerCase()}`,
  );
  const when = row.createdAt ? formatDateTime(row.createdAt) : '';
  return `${row.label}${when ? ` (${when})` : ''}: ${parts.join(', ')}`;
}

/** One stacked bar per upload: new, merged, rejected, failed (and cancelled). */
export function uploadsChart(uploads) {
  const rows = uploadChartRows(uploads, 8);
  if (!rows.length) return note('No data yet');
  const keys = COUNTS.map(({ key }) => key);
  const geometry = stackedBars(rows, keys);
  const bars = geometry.bars.map((bar) =>
    s(
      'g',
      {},
      s('title', {}, describeUpload(bar)),
      rowLabel(bar),
      bar.segments.map((segment) =>
        s(
          'rect',
          { x: segment.x, y: bar.y, width: segment.width, height: bar.height, class: SEGMENT_FILL[segment.key] },
          s(
            'title',
            {},
            `${bar.label} — ${COUNTS.find(({ key }) => key === segment.key).label}: ${formatNumber(segment.value)} ${segment.value === 1 ? 'row' : 'rows'}`,
          ),
        ),
      ),
      valueLabel(bar, bar.total),
    ),
  );
  const shownKeys = COUNTS.filter(({ key }) => key !== 'cancelled' || rows.some((row) => row.values.cancelled > 0));
  const legend = h(
    'p',
    { class: 'mt-3 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600', 'aria-hidden': 'true' },
    shownKeys.map(({ key, label }) =>
      h('span', { class: 'inline-flex items-center gap-1' }, h('span', { class: `inline-block size-2.5 rounded-sm ${SWATCH[key]}` }), label),
    ),
  );
  const described = rows.map(describeUpload);
  return h(
    'div',
    {},
    svgFrame(geometry, `Recent uploads, rows per file: ${described.join('; ')}.`, ...bars),
    legend,
    h('ul', { class: 'sr-only' }, described.map((text) => h('li', {}, text))),
  );
}

export function createGlance({ api, onSummary = () => {} }) {
  const source = byId('chart-source');
  const industry = byId('chart-industry');
  const uploadsBox = byId('chart-uploads');
  let controller = null;
  let active = false;

  function loading(element) {
    if (!element.firstChild) replace(element, note('Loading…'));
  }

  return {
    start() {
      active = true;
      loading(source);
      loading(industry);
      loading(uploadsBox);
    },

    async loadSummary() {
      if (!active) return;
      controller?.abort();
      controller = new AbortController();
      try {
        const summary = await api.get('/leads/summary', { params: `top=${SUMMARY_TOP}`, signal: controller.signal });
        if (!active) return;
        replace(source, barChart('Leads by source', summaryItems(summary?.bySource)));
        replace(industry, barChart('Leads by industry', summaryItems(summary?.byIndustry)));
        onSummary(summary);
      } catch (failure) {
        if (!active || isAbort(failure)) return;
        // Before the summary route exists (404) the charts simply have nothing to show.
        const content = () => (failure.status === 404 ? note('No data yet') : problem(failure.message));
        replace(source, content());
        replace(industry, content());
      }
    },

    showUploads(uploads) {
      if (active) replace(uploadsBox, uploadsChart(uploads));
    },

    showUploadsError(message) {
      if (active) replace(uploadsBox, problem(message));
    },

    stop() {
      active = false;
      controller?.abort();
      controller = null;
      replace(source);
      replace(industry);
      replace(uploadsBox);
    },
  };
}
