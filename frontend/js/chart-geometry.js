// Geometry of the "At a glance" bar charts: where each bar goes and how long it is. Pure: no DOM.

export const BAR_CHART = Object.freeze({
  width: 360,
  labelWidth: 112,
  valueWidth: 44,
  gap: 8,
  barHeight: 18,
  rowGap: 8,
  padding: 4,
  minBar: 2,
});

/** "Verylongname…" at most `max` characters. */
export function truncateLabel(text, max = 18) {
  const label = String(text ?? '');
  const chars = Array.from(label);
  if (chars.length <= max) return label;
  return `${chars.slice(0, Math.max(1, max - 1)).join('').trimEnd()}\u2026`;
}

/** The length of a bar for `value` on a scale from 0 to `max` drawn `span` long (a value > 0 stays visible). */
export function scaleLength(value, max, span, minBar = BAR_CHART.minBar) {
  const number = Number(value) || 0;
  if (number <= 0 || !(max > 0) || !(span > 0)) return 0;
  return Math.max(minBar, Math.min(span, (number / max) * span));
}

/** Chart items from one grouping of GET /leads/summary: the top groups, then "Other" and "Not set". */
export function summaryItems(grouping) {
  if (!grouping || typeof grouping !== 'object') return [];
  const items = (Array.isArray(grouping.groups) ? grouping.groups : [])
    .filter((group) => group && Number(group.count) > 0)
    .map((group) => ({ label: String(group.value ?? ''), value: Number(group.count) }));
  if (Number(grouping.other) > 0) items.push({ label: 'Other', value: Number(grouping.other), kind: 'other' });
  if (Number(grouping.blank) > 0) items.push({ label: 'Not set', value: Number(grouping.blank), kind: 'blank' });
  return items;
}

function rowFrame(count, options) {
  const o = { ...BAR_CHART, ...options };
  const plotX = o.labelWidth + o.gap;
  const plotWidth = Math.max(0, o.width - plotX - o.gap - o.valueWidth);
  const pitch = o.barHeight + o.rowGap;
  const height = count > 0 ? o.padding * 2 + count * pitch - o.rowGap : 0;
  return { o, plotX, plotWidth, pitch, height };
}

/**
 * Horizontal bars, one per item ({label, value}), longest = the largest value.
 * Returns the view box size and, per bar, its rectangle and where its label and value are written.
 */
export function horizontalBars(items, options = {}) {
  const { o, plotX, plotWidth, pitch, height } = rowFrame(items.length, options);
  const max = Math.max(0, ...items.map((item) => Number(item.value) || 0));
  const bars = items.map((item, index) => {
    const y = o.padding + index * pitch;
    const width = scaleLength(item.value, max, plotWidth, o.minBar);
    return {
      ...item,
      x: plotX,
      y,
      width,
      height: o.barHeight,
      labelX: o.labelWidth,
      valueX: plotX + width + o.gap / 2,
      textY: y + o.barHeight / 2,
    };
  });
  return { width: o.width, height, max, bars };
}

/**
 * Stacked horizontal bars: one row per entry ({label, values: {key: n}}), segments in the order of `keys`,
 * all rows on one scale (the largest total fills the plot).
 */
export function stackedBars(rows, keys, options = {}) {
  const { o, plotX, plotWidth, pitch, height } = rowFrame(rows.length, options);
  const totals = rows.map((row) => keys.reduce((sum, key) => sum + Math.max(0, Number(row.values?.[key]) || 0), 0));
  const max = Math.max(0, ...totals);
  const bars = rows.map((row, index) => {
    const y = o.padding + index * pitch;
    const total = totals[index];
    const totalWidth = scaleLength(total, max, plotWidth, o.minBar);
    let x = plotX;
    let consumed = 0;
    const segments = [];
    for (const key of keys) {
      const value = Math.max(0, Number(row.values?.[key]) || 0);
      if (value === 0) continue;
      consumed += value;
      // Segment ends come from the running total, so the pieces add up to the bar exactly.
      const end = plotX + (total > 0 ? (consumed / total) * totalWidth : 0);
      segments.push({ key, value, x, width: end - x });
      x = end;
    }
    return {
      ...row,
      total,
      y,
      height: o.barHeight,
      x: plotX,
      width: totalWidth,
      labelX: o.labelWidth,
      valueX: plotX + totalWidth + o.gap / 2,
      textY: y + o.barHeight / 2,
      segments,
    };
  });
  return { width: o.width, height, max, bars };
}
