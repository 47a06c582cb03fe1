// Words and numbers as the app shows them. Pure: no DOM, no globals beyond Intl.

// Counts use English digit grouping to match the English interface ("1,234"); dates follow the browser.
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const EN_DASH = '\u2013';

export function formatNumber(value) {
  const number = Number(value);
  return NUMBER.format(Number.isFinite(number) ? number : 0);
}

export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${formatNumber(count)} ${Number(count) === 1 ? singular : pluralForm}`;
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'];

/** 0 → "0 bytes", 1 → "1 byte", 1536 → "1.5 KB", 12313 → "12 KB", 26214400 → "25 MB". */
export function formatBytes(bytes) {
  const size = Number(bytes);
  if (!Number.isFinite(size) || size < 0) return '';
  if (size < 1024) return plural(Math.round(size), 'byte');
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  if (rounded >= 1024 && unit < BYTE_UNITS.length - 1) return `1 ${BYTE_UNITS[unit + 1]}`;
  return `${rounded.toLocaleString('en-US')} ${BYTE_UNITS[unit]}`;
}

/** A date and time in the reader's locale and time zone ("Nov 24, 2026, 4:55 PM"); "" if unreadable. */
export function formatDateTime(iso, { locale, timeZone } = {}) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** A date in the reader's locale ("Nov 24, 2026"); "" if unreadable. */
export function formatDate(iso, { locale, timeZone } = {}) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(date);
}

/** "Showing 1–25 of 1,234" for a page of `shown` rows; "" when there is nothing to show. */
export function showingText({ page, pageSize, totalCount }, shown) {
  const total = Number(totalCount) || 0;
  if (total <= 0) return '';
  const count = Math.max(0, Number(shown) || 0);
  if (count === 0) return `Showing 0 of ${formatNumber(total)}`;
  const first = (Math.max(1, Number(page) || 1) - 1) * (Number(pageSize) || 0) + 1;
  const last = Math.min(total, first + count - 1);
  return `Showing ${formatNumber(first)}${EN_DASH}${formatNumber(last)} of ${formatNumber(total)}`;
}

/** What the lead list says when it is empty. */
export function emptyLeadsText(filtered) {
  return filtered ? 'No leads match these filters.' : 'No leads yet. Upload a spreadsheet to get started.';
}

/** "Page 2 of 50" (an empty list still reads "Page 1 of 1"). */
export function pageText(page, totalPages) {
  const pages = Math.max(1, Number(totalPages) || 0);
  const current = Math.min(pages, Math.max(1, Number(page) || 1));
  return `Page ${formatNumber(current)} of ${formatNumber(pages)}`;
}

export function exportedText(rows) {
  return `Exported ${plural(rows, 'lead')}.`;
}

export function percentText(value) {
  const number = Math.max(0, Math.min(100, Math.round(Number(value) || 0)));
  return `${number}%`;
}
