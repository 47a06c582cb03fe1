import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BAR_CHART,
  horizontalBars,
  scaleLength,
  stackedBars,
  summaryItems,
  truncateLabel,
} from '../../../frontend/js/chart-geometry.js';

const PLOT_X = BAR_CHART.labelWidth + BAR_CHART.gap;
const PLOT_WIDTH = BAR_CHART.width - PLOT_X - BAR_CHART.gap - BAR_CHART.valueWidth;

describe('scaleLength', () => {
  it('is proportional to the value', () => {
    assert.equal(scaleLength(50, 100, 200), 100);
    assert.equal(scaleLength(100, 100, 200), 200);
  });

  it('keeps a tiny value visible and zero invisible', () => {
    assert.equal(scaleLength(1, 100000, 200), BAR_CHART.minBar);
    assert.equal(scaleLength(0, 100, 200), 0);
    assert.equal(scaleLength(5, 0, 200), 0);
  });
});

describe('summaryItems', () => {
  it('lists the groups, then Other and Not set when there are any', () => {
    const items = summaryItems({
      groups: [
        { value: 'Webinar', count: 15 },
        { value: 'Trade show', count: 10 },
      ],
      other: 4,
      blank: 52,
    });
    assert.deepEqual(items, [
      { label: 'Webinar', value: 15 },
      { label: 'Trade show', value: 10 },
      { label: 'Other', value: 4, kind: 'other' },
      { label: 'Not set', value: 52, kind: 'blank' },
    ]);
  });

  it('leaves out empty remainders and tolerates a missing grouping', () => {
    assert.deepEqual(summaryItems({ groups: [{ value: 'A', count: 1 }], other: 0, blank: 0 }), [{ label: 'A', value: 1 }]);
    assert.deepEqual(summaryItems(undefined), []);
    assert.deepEqual(summaryItems({ groups: null }), []);
  });
});

describe('horizontalBars', () => {
  const items = [
    { label: 'Webinar', value: 40 },
    { label: 'Partner', value: 10 },
    { label: 'Not set', value: 20 },
  ];
  const chart = horizontalBars(items);

  it('gives the largest value the whole plot width', () => {
    assert.equal(chart.max, 40);
    assert.equal(chart.bars[0].x, PLOT_X);
    assert.equal(chart.bars[0].width, PLOT_WIDTH);
    assert.equal(chart.bars[1].width, PLOT_WIDTH / 4);
    assert.equal(chart.bars[2].width, PLOT_WIDTH / 2);
  });

  it('stacks the rows from the top, evenly spaced, and sizes the view box to them', () => {
    const pitch = BAR_CHART.barHeight + BAR_CHART.rowGap;
    assert.deepEqual(
      chart.bars.map((bar) => bar.y),
      [BAR_CHART.padding, BAR_CHART.padding + pitch, BAR_CHART.padding + 2 * pitch],
    );
    assert.equal(chart.height, BAR_CHART.padding * 2 + 3 * pitch - BAR_CHART.rowGap);
    assert.equal(chart.width, BAR_CHART.width);
  });

  it('writes the value just after its bar and the label before the plot', () => {
    for (const bar of chart.bars) {
      assert.equal(bar.valueX, bar.x + bar.width + BAR_CHART.gap / 2);
      assert.equal(bar.labelX, BAR_CHART.labelWidth);
      assert.equal(bar.textY, bar.y + BAR_CHART.barHeight / 2);
      assert.ok(bar.valueX + BAR_CHART.valueWidth <= BAR_CHART.width + BAR_CHART.gap);
    }
  });

  it('has no height without items', () => {
    const empty = horizontalBars([]);
    assert.equal(empty.height, 0);
    assert.deepEqual(empty.bars, []);
  });

  it('follows custom sizes', () => {
    const wide = horizontalBars([{ label: 'A', value: 1 }], { width: 600, labelWidth: 100, valueWidth: 50, gap: 10 });
    assert.equal(wide.bars[0].width, 600 - 110 - 10 - 50);
  });
});

describe('stackedBars', () => {
  const keys = ['created', 'updated', 'rejected', 'failed'];
  const rows = [
    { label: 'a.xlsx', values: { created: 60, updated: 20, rejected: 10, failed: 10 } },
    { label: 'b.csv', values: { created: 50, updated: 0, rejected: 0, failed: 0 } },
    { label: 'c.csv', values: {} },
  ];
  const chart = stackedBars(rows, keys);

  it('scales every row by the largest total', () => {
    assert.equal(chart.max, 100);
    assert.equal(chart.bars[0].width, PLOT_WIDTH);
    assert.equal(chart.bars[1].width, PLOT_WIDTH / 2);
    assert.equal(chart.bars[2].width, 0);
  });

  it('puts the segments side by side in key order, adding up to the bar', () => {
    const [bar] = chart.bars;
    assert.deepEqual(
      bar.segments.map((segment) => segment.key),
      keys,
    );
    let x = bar.x;
    for (const segment of bar.segments) {
      assert.ok(Math.abs(segment.x - x) < 1e-9);
      x += segment.width;
    }
    assert.ok(Math.abs(x - (bar.x + bar.width)) < 1e-9);
    assert.ok(Math.abs(bar.segments[0].width - PLOT_WIDTH * 0.6) < 1e-9);
  });

  it('draws no segment for a zero count', () => {
    assert.deepEqual(
      chart.bars[1].segments.map((segment) => segment.key),
      ['created'],
    );
    assert.deepEqual(chart.bars[2].segments, []);
    assert.equal(chart.bars[2].total, 0);
  });
});

describe('truncateLabel', () => {
  it('keeps short labels and cuts long ones with an ellipsis', () => {
    assert.equal(truncateLabel('Webinar', 10), 'Webinar');
    assert.equal(truncateLabel('partners-0b4ae040.csv', 12), 'partners-0b\u2026');
    assert.equal(Array.from(truncateLabel('partners-0b4ae040.csv', 12)).length, 12);
  });

  it('never splits a character made of two code units', () => {
    assert.equal(truncateLabel('😀😀😀😀', 3), '😀😀\u2026');
  });

  it('shows missing labels as empty', () => {
    assert.equal(truncateLabel(undefined), '');
  });
});
