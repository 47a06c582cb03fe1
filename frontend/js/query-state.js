// The lead list's view (filters, sort, page) and its place in the address bar. Pure: no DOM.

export const SORTABLE = Object.freeze(['createdAt', 'name', 'company', 'email']);
export const PAGE_SIZES = Object.freeze([10, 25, 50, 100]);
export const FILTERS = Object.freeze(['search', 'company', 'industry', 'source', 'uploadId']);
export const MAX_TEXT = 200;
export const MAX_PAGE = 1_000_000;

export const DEFAULT_STATE = Object.freeze({
  search: '',
  company: '',
  industry: '',
  source: '',
  uploadId: '',
  sortBy: 'createdAt',
  sortOrder: 'desc',
  page: 1,
  pageSize: 25,
});

/** Newest first by date; A to Z for the others. */
export function defaultOrder(sortBy) {
  return sortBy === 'createdAt' ? 'desc' : 'asc';
}

function cleanText(value) {
  if (typeof value !== 'string') return '';
  // Control characters have no place in a filter; whitespace is collapsed like the server does.
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.slice(0, MAX_TEXT);
}

function cleanUploadId(value) {
  const text = typeof value === 'string' ? value.trim() : '';
  return /^[A-Za-z0-9_-]{1,128}$/.test(text) ? text : '';
}

function cleanInteger(value, fallback, min, max) {
  if (typeof value === 'number' && Number.isInteger(value)) return value >= min && value <= max ? value : fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value.trim())) return fallback;
  const number = Number(value.trim());
  return number >= min && number <= max ? number : fallback;
}

/** A complete, valid state from any partial or untrusted one. */
export function normalizeState(input = {}) {
  const sortBy = SORTABLE.includes(input.sortBy) ? input.sortBy : DEFAULT_STATE.sortBy;
  const sortOrder = input.sortOrder === 'asc' || input.sortOrder === 'desc' ? input.sortOrder : defaultOrder(sortBy);
  const pageSize = cleanInteger(input.pageSize, DEFAULT_STATE.pageSize, 1, 100);
  return {
    search: cleanText(input.search),
    company: cleanText(input.company),
    industry: cleanText(input.industry),
    source: cleanText(input.source),
    uploadId: cleanUploadId(input.uploadId),
    sortBy,
    sortOrder,
    page: cleanInteger(input.page, 1, 1, MAX_PAGE),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : DEFAULT_STATE.pageSize,
  };
}

/** The state a query string ("?search=acme&page=2") asks for; anything invalid falls back to the default. */
export function parseState(query) {
  const params = query instanceof URLSearchParams ? query : new URLSearchParams(query || '');
  const raw = {};
  for (const key of Object.keys(DEFAULT_STATE)) {
    const value = params.get(key);
    if (value !== null) raw[key] = value;
  }
  return normalizeState(raw);
}

/** The query string for a state (no "?"), with only what differs from the defaults. */
export function toQueryString(state) {
  const valid = normalizeState(state);
  const params = new URLSearchParams();
  for (const key of FILTERS) if (valid[key]) params.set(key, valid[key]);
  if (valid.sortBy !== DEFAULT_STATE.sortBy) params.set('sortBy', valid.sortBy);
  if (valid.sortOrder !== defaultOrder(valid.sortBy)) params.set('sortOrder', valid.sortOrder);
  if (valid.page !== 1) params.set('page', String(valid.page));
  if (valid.pageSize !== DEFAULT_STATE.pageSize) params.set('pageSize', String(valid.pageSize));
  return params.toString();
}

function filterParams(valid) {
  const params = new URLSearchParams();
  for (const key of FILTERS) if (valid[key]) params.set(key, valid[key]);
  params.set('sortBy', valid.sortBy);
  params.set('sortOrder', valid.sortOrder);
  return params;
}

/** Parameters of GET /leads for a state (empty filters left out). */
export function leadsParams(state) {
  const valid = normalizeState(state);
  const params = filterParams(valid);
  params.set('page', String(valid.page));
  params.set('pageSize', String(valid.pageSize));
  return params;
}

/** Parameters of GET /export: the same filters and sort, no page. */
export function exportParams(state) {
  return filterParams(normalizeState(state));
}

export function hasFilters(state) {
  return FILTERS.some((key) => Boolean(state[key]));
}

/** The state after a filter changed: back to the first page. */
export function withFilters(state, patch) {
  return normalizeState({ ...state, ...patch, page: 1 });
}

/** The state without any filter (sort and page size stay). */
export function clearFilters(state) {
  return normalizeState({ ...state, search: '', company: '', industry: '', source: '', uploadId: '', page: 1 });
}

/** Clicking a column: the other direction if it is already the sort, else that column in its default order. */
export function toggleSort(state, column) {
  if (!SORTABLE.includes(column)) return normalizeState(state);
  const sortOrder =
    state.sortBy === column ? (state.sortOrder === 'asc' ? 'desc' : 'asc') : defaultOrder(column);
  return normalizeState({ ...state, sortBy: column, sortOrder, page: 1 });
}

/** aria-sort of a column header. */
export function ariaSort(state, column) {
  if (state.sortBy !== column) return 'none';
  return state.sortOrder === 'asc' ? 'ascending' : 'descending';
}
