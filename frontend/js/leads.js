// The lead table: search, filters, sort, pages, export; the view lives in the address bar.

import { byId, h, replace, safeHttpUrl, showText } from './dom.js';
import { isAbort } from './errors.js';
import { leadLabel } from './leads-model.js';
import { emptyLeadsText, exportedText, formatDate, formatDateTime, pageText, showingText } from './format.js';
import {
  DEFAULT_STATE,
  ariaSort,
  clearFilters,
  exportParams,
  hasFilters,
  leadsParams,
  normalizeState,
  toQueryString,
  toggleSort,
  withFilters,
} from './query-state.js';

const SEARCH_DELAY_MS = 300;
const FILTER_DELAY_MS = 500;
const RELOAD_DELAY_MS = 400;

const TEXT_FILTERS = [
  { key: 'company', input: 'filter-company', list: 'company-options', summary: 'byCompany' },
  { key: 'industry', input: 'filter-industry', list: 'industry-options', summary: 'byIndustry' },
  { key: 'source', input: 'filter-source', list: 'source-options', summary: 'bySource' },
];

function cell(value, extra = '', truncate = '') {
  const text = value === undefined || value === null ? '' : String(value);
  if (!text) {
    return h(
      'td',
      { class: `td text-slate-400 ${extra}` },
      h('span', { 'aria-hidden': 'true' }, '—'),
      h('span', { class: 'sr-only' }, 'not set'),
    );
  }
  if (!truncate) return h('td', { class: `td ${extra}` }, text);
  // Long values are cut to the column's width; the whole value is in the tooltip.
  return h('td', { class: `td ${extra}` }, h('span', { class: `block truncate ${truncate}`, title: text }, text));
}

export function createLeads({ api, onOpenLead = () => {} }) {
  const body = byId('leads-body');
  const table = byId('leads-table');
  const status = byId('leads-status');
  const error = byId('leads-error');
  const search = byId('lead-search');
  const uploadSelect = byId('filter-upload');
  const pageSize = byId('page-size');
  const prev = byId('prev-page');
  const next = byId('next-page');
  const pageInfo = byId('page-info');
  const clearButton = byId('clear-filters');
  const exportButton = byId('export-button');
  const exportStatus = byId('export-status');
  const exportError = byId('export-error');
  const form = byId('lead-filters');
  const headers = Array.from(table.querySelectorAll('th[data-sort]'));
  const filterInputs = TEXT_FILTERS.map((filter) => ({ ...filter, element: byId(filter.input), datalist: byId(filter.list) }));

  let state = { ...DEFAULT_STATE };
  let active = false;
  let sequence = 0;
  let controller = null;
  let exportController = null;
  let pagination = null;
  let repairs = 0;
  const timers = new Map();
  let knownUploads = [];

  // --- timers ---------------------------------------------------------------------------------------

  function later(name, ms, fn) {
    clearTimeout(timers.get(name));
    timers.set(
      name,
      setTimeout(() => {
        timers.delete(name);
        fn();
      }, ms),
    );
  }

  function cancelTimer(name) {
    clearTimeout(timers.get(name));
    timers.delete(name);
  }

  // --- state ----------------------------------------------------------------------------------------

  function writeUrl() {
    const query = toQueryString(state);
    const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
    if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
      window.history.replaceState(window.history.state, '', url);
    }
  }

  function syncControls() {
    if (document.activeElement !== search) search.value = state.search;
    for (const filter of filterInputs) {
      if (document.activeElement !== filter.element) filter.element.value = state[filter.key];
    }
    ensureUploadOption(state.uploadId);
    uploadSelect.value = state.uploadId;
    pageSize.value = String(state.pageSize);
    clearButton.disabled = !hasFilters(state);
    for (const th of headers) th.setAttribute('aria-sort', ariaSort(state, th.dataset.sort));
  }

  function setState(nextState) {
    const normalized = normalizeState(nextState);
    if (toQueryString(normalized) === toQueryString(state)) return;
    state = normalized;
    repairs = 0;
    writeUrl();
    syncControls();
    load();
  }

  /** The text filters as typed; applying them all at once means one request, whichever input changed. */
  function typedFilters() {
    return {
      search: search.value,
      ...Object.fromEntries(filterInputs.map((filter) => [filter.key, filter.element.value])),
    };
  }

  function applyTyped() {
    cancelTimer('typing');
    setState(withFilters(state, typedFilters()));
  }

  function applyTypedSoon(ms) {
    later('typing', ms, applyTyped);
  }

  // --- loading --------------------------------------------------------------------------------------

  async function load() {
    if (!active) return;
    const mine = ++sequence;
    controller?.abort();
    controller = new AbortController();
    table.setAttribute('aria-busy', 'true');
    if (!pagination) status.textContent = 'Loading leads…';
    try {
      const answer = await api.get('/leads', { params: leadsParams(state), signal: controller.signal });
      if (!active || mine !== sequence) return; // a newer request owns the table
      showText(error, '');
      render(answer);
    } catch (failure) {
      if (!active || mine !== sequence || isAbort(failure)) return;
      showText(error, failure.message);
      if (!pagination) status.textContent = '';
    } finally {
      if (mine === sequence) table.removeAttribute('aria-busy');
    }
  }

  function render(answer) {
    const leads = Array.isArray(answer?.leads) ? answer.leads : [];
    pagination = {
      page: Number(answer?.pagination?.page) || state.page,
      pageSize: Number(answer?.pagination?.pageSize) || state.pageSize,
      totalCount: Number(answer?.pagination?.totalCount) || 0,
      totalPages: Number(answer?.pagination?.totalPages) || 0,
    };
    // A page past the end (an old link, fewer leads now): go to the last page instead.
    if (leads.length === 0 && pagination.totalCount > 0 && state.page > 1 && repairs < 2) {
      repairs += 1;
      state = normalizeState({ ...state, page: Math.max(1, pagination.totalPages) });
      writeUrl();
      load();
      return;
    }
    replace(body, leads.map(row));
    status.textContent =
      pagination.totalCount > 0 ? showingText(pagination, leads.length) : emptyLeadsText(hasFilters(state));
    pageInfo.textContent = pageText(pagination.page, pagination.totalPages);
    prev.disabled = pagination.page <= 1;
    next.disabled = pagination.page >= pagination.totalPages;
  }

  function row(lead) {
    const label = leadLabel(lead) || 'this lead';
    const created = lead.createdAt ? formatDate(lead.createdAt) : '';
    const dateCell = created
      ? h('td', { class: 'td text-slate-600' }, h('time', { datetime: lead.createdAt, title: lead.createdAt }, created))
      : cell('');
    const details = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-lead-id': lead.leadId,
        onClick: (event) => onOpenLead(lead, event.currentTarget),
      },
      'Details',
      h('span', { class: 'sr-only' }, ` for ${label}`),
    );
    return h(
      'tr',
      { class: 'group hover:bg-slate-50' },
      cell(lead.name, 'font-medium text-slate-900', 'max-w-[10rem]'),
      cell(lead.email, 'text-slate-700', 'max-w-[13rem]'),
      cell(lead.phone, `tabular-nums ${lead.phone === 'N/A' ? 'text-slate-400' : 'text-slate-700'}`),
      cell(lead.company, 'text-slate-700', 'max-w-[9rem]'),
      cell(lead.title, 'text-slate-700', 'max-w-[8rem]'),
      cell(lead.industry, 'text-slate-700', 'max-w-[7rem]'),
      cell(lead.source, 'text-slate-700', 'max-w-[7rem]'),
      cell(lead._worksheet, 'text-slate-700', 'max-w-[7rem]'),
      dateCell,
      h(
        'td',
        { class: 'td sticky right-0 bg-white text-right shadow-[-8px_0_8px_-8px_rgba(15,23,42,0.15)] group-hover:bg-slate-50' },
        details,
      ),
    );
  }

  // --- upload choices and suggestions ---------------------------------------------------------------

  function uploadOptionLabel(upload) {
    const when = upload.createdAt ? formatDateTime(upload.createdAt) : '';
    return when ? `${upload.fileName || upload.uploadId} (${when})` : String(upload.fileName || upload.uploadId);
  }

  function ensureUploadOption(uploadId) {
    if (!uploadId) return;
    const exists = Array.from(uploadSelect.options).some((option) => option.value === uploadId);
    if (!exists) uploadSelect.append(h('option', { value: uploadId }, `Upload ${uploadId.slice(0, 8)}…`));
  }

  function renderUploadOptions() {
    const options = [h('option', { value: '' }, 'All uploads')];
    for (const upload of knownUploads) {
      if (upload && upload.uploadId) options.push(h('option', { value: upload.uploadId }, uploadOptionLabel(upload)));
    }
    replace(uploadSelect, options);
    ensureUploadOption(state.uploadId);
    uploadSelect.value = state.uploadId;
  }

  // --- export ---------------------------------------------------------------------------------------

  async function exportCsv() {
    if (exportButton.disabled) return;
    exportButton.disabled = true;
    exportButton.textContent = 'Exporting…';
    exportStatus.textContent = '';
    showText(exportError, '');
    exportController = new AbortController();
    try {
      const answer = await api.get('/export', { params: exportParams(state), signal: exportController.signal });
      if (!active) return;
      const url = safeHttpUrl(answer?.downloadUrl);
      if (!url) throw new Error('The server did not send a download link. Please try again.');
      const link = h('a', { href: url, download: answer.fileName || '', class: 'hidden' });
      document.body.append(link);
      link.click();
      link.remove();
      exportStatus.textContent = exportedText(Number(answer.rows) || 0);
    } catch (failure) {
      if (!active || isAbort(failure)) return;
      showText(exportError, failure.message);
    } finally {
      exportController = null;
      exportButton.disabled = false;
      exportButton.textContent = 'Export CSV';
    }
  }

  // --- events ---------------------------------------------------------------------------------------

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (active) applyTyped();
  });

  const textInputs = [
    { element: search, delay: SEARCH_DELAY_MS },
    ...filterInputs.map((filter) => ({ element: filter.element, delay: FILTER_DELAY_MS })),
  ];
  for (const { element, delay } of textInputs) {
    element.addEventListener('input', () => {
      if (active) applyTypedSoon(delay);
    });
    element.addEventListener('change', () => {
      if (active) applyTyped();
    });
    element.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      if (active) applyTyped();
    });
  }

  uploadSelect.addEventListener('change', () => {
    if (active) setState(withFilters(state, { ...typedFilters(), uploadId: uploadSelect.value }));
  });

  pageSize.addEventListener('change', () => {
    if (active) setState({ ...state, pageSize: Number(pageSize.value), page: 1 });
  });

  clearButton.addEventListener('click', () => {
    if (!active) return;
    cancelTimer('typing');
    search.value = '';
    for (const filter of filterInputs) filter.element.value = '';
    setState(clearFilters(state));
    search.focus();
  });

  prev.addEventListener('click', () => {
    if (active && state.page > 1) setState({ ...state, page: state.page - 1 });
  });
  next.addEventListener('click', () => {
    if (active && pagination && state.page < pagination.totalPages) setState({ ...state, page: state.page + 1 });
  });

  for (const th of headers) {
    th.querySelector('button').addEventListener('click', () => {
      if (active) setState(toggleSort(state, th.dataset.sort));
    });
  }

  exportButton.addEventListener('click', exportCsv);

  return {
    /** Show the lead list for a view (read from the address bar). */
    start(initial) {
      active = true;
      state = normalizeState(initial);
      repairs = 0;
      writeUrl();
      syncControls();
      load();
    },

    /**
     * Show exactly these filters ({search, company, industry, source, uploadId}; the others cleared), as if
     * typed, then bring the table into view with the focus on its heading. The chat's "Open in lead table".
     */
    showFilters(filters) {
      if (!active) return;
      cancelTimer('typing');
      const next = withFilters(clearFilters(state), filters);
      search.value = next.search;
      for (const filter of filterInputs) filter.element.value = next[filter.key];
      setState(next);
      syncControls();
      const heading = byId('leads-heading');
      heading.scrollIntoView({ block: 'start' });
      heading.focus({ preventScroll: true });
    },

    /** Load the current page again (an upload finished), a moment later so several finish as one. */
    reloadSoon() {
      if (active) later('reload', RELOAD_DELAY_MS, load);
    },

    /** The caller's uploads for the Upload filter. */
    setUploads(uploads) {
      knownUploads = Array.isArray(uploads) ? uploads : [];
      if (active) renderUploadOptions();
    },

    /** Suggestions for the Company, Industry and Source filters from GET /leads/summary. */
    setSuggestions(summary) {
      for (const filter of filterInputs) {
        const groups = summary?.[filter.summary]?.groups;
        const values = Array.isArray(groups) ? groups.map((group) => String(group?.value ?? '')).filter(Boolean) : [];
        replace(filter.datalist, values.map((value) => h('option', { value })));
      }
    },

    stop() {
      active = false;
      sequence += 1;
      controller?.abort();
      controller = null;
      exportController?.abort();
      for (const name of [...timers.keys()]) cancelTimer(name);
      replace(body);
      status.textContent = '';
      pageInfo.textContent = pageText(1, 1);
      prev.disabled = true;
      next.disabled = true;
      showText(error, '');
      showText(exportError, '');
      exportStatus.textContent = '';
      knownUploads = [];
      replace(uploadSelect, h('option', { value: '' }, 'All uploads'));
      for (const filter of filterInputs) {
        filter.element.value = '';
        replace(filter.datalist);
      }
      search.value = '';
      state = { ...DEFAULT_STATE };
      pagination = null;
      table.removeAttribute('aria-busy');
    },

    get state() {
      return state;
    },
  };
}
