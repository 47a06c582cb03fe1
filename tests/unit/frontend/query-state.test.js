import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_STATE,
  ariaSort,
  clearFilters,
  exportParams,
  hasFilters,
  leadsParams,
  normalizeState,
  parseState,
  toQueryString,
  toggleSort,
  withFilters,
} from '../../../frontend/js/query-state.js';

describe('parseState', () => {
  it('gives the defaults for an empty address', () => {
    assert.deepEqual(parseState(''), DEFAULT_STATE);
    assert.deepEqual(parseState('?'), DEFAULT_STATE);
  });

  it('reads every part of the view', () => {
    const state = parseState(
      '?search=acme%20corp&company=Globex&industry=Retail&source=Webinar&uploadId=e0dd6db2c1e84ee6&sortBy=name&sortOrder=desc&page=3&pageSize=50',
    );
    assert.deepEqual(state, {
      search: 'acme corp',
      company: 'Globex',
      industry: 'Retail',
      source: 'Webinar',
      uploadId: 'e0dd6db2c1e84ee6',
      sortBy: 'name',
      sortOrder: 'desc',
      page: 3,
      pageSize: 50,
    });
  });

  it('replaces invalid values by the defaults', () => {
    const state = parseState(
      'sortBy=phone&sortOrder=sideways&page=-2&pageSize=33&uploadId=../../etc&company=%20%20',
    );
    assert.deepEqual(state, DEFAULT_STATE);
    assert.equal(parseState('page=0').page, 1);
    assert.equal(parseState('page=1.5').page, 1);
    assert.equal(parseState('page=abc').page, 1);
    assert.equal(parseState('page=99999999999').page, 1);
    assert.equal(parseState('pageSize=1000').pageSize, 25);
  });

  it('takes the default order of the sort column when none is given', () => {
    assert.equal(parseState('sortBy=company').sortOrder, 'asc');
    assert.equal(parseState('sortBy=createdAt').sortOrder, 'desc');
  });

  it('cleans and caps text', () => {
    const state = parseState(`search=${encodeURIComponent('  a\u0000b \n c  ')}&company=${'x'.repeat(500)}`);
    assert.equal(state.search, 'a b c');
    assert.equal(state.company.length, 200);
  });

  it('accepts URLSearchParams', () => {
    assert.equal(parseState(new URLSearchParams({ search: 'x' })).search, 'x');
  });
});

describe('toQueryString', () => {
  it('is empty for the default view', () => {
    assert.equal(toQueryString(DEFAULT_STATE), '');
  });

  it('writes only what differs from the defaults', () => {
    assert.equal(toQueryString({ ...DEFAULT_STATE, search: 'acme', page: 2 }), 'search=acme&page=2');
    assert.equal(toQueryString({ ...DEFAULT_STATE, sortBy: 'name', sortOrder: 'asc' }), 'sortBy=name');
    assert.equal(toQueryString({ ...DEFAULT_STATE, sortBy: 'name', sortOrder: 'desc' }), 'sortBy=name&sortOrder=desc');
    assert.equal(toQueryString({ ...DEFAULT_STATE, sortOrder: 'asc' }), 'sortOrder=asc');
  });

  it('round-trips any valid state through the address bar', () => {
    const states = [
      DEFAULT_STATE,
      { ...DEFAULT_STATE, search: 'a&b=c?d#e', company: 'Müller & Söhne', page: 7, pageSize: 100 },
      { ...DEFAULT_STATE, industry: 'Retail', source: 'Trade show', uploadId: 'abc_DEF-123', sortBy: 'email', sortOrder: 'desc' },
      { ...DEFAULT_STATE, sortBy: 'company', sortOrder: 'asc', pageSize: 10 },
    ];
    for (const state of states) assert.deepEqual(parseState(`?${toQueryString(state)}`), state);
  });
});

describe('API parameters', () => {
  it('sends filters, sort and page to GET /leads, leaving empty filters out', () => {
    const params = leadsParams({ ...DEFAULT_STATE, search: 'acme', page: 2, pageSize: 10 });
    assert.equal(params.toString(), 'search=acme&sortBy=createdAt&sortOrder=desc&page=2&pageSize=10');
  });

  it('sends the same filters and sort but no page to GET /export', () => {
    const state = { ...DEFAULT_STATE, company: 'Acme', uploadId: 'u1', sortBy: 'name', sortOrder: 'asc', page: 4 };
    assert.equal(exportParams(state).toString(), 'company=Acme&uploadId=u1&sortBy=name&sortOrder=asc');
  });
});

describe('changing the view', () => {
  it('goes back to page 1 when a filter changes', () => {
    const state = withFilters({ ...DEFAULT_STATE, page: 5 }, { company: 'Acme' });
    assert.equal(state.page, 1);
    assert.equal(state.company, 'Acme');
    assert.equal(hasFilters(state), true);
    assert.equal(hasFilters(DEFAULT_STATE), false);
  });

  it('clears the filters but keeps sort and page size', () => {
    const state = clearFilters({ ...DEFAULT_STATE, search: 's', company: 'c', industry: 'i', source: 'o', uploadId: 'u', sortBy: 'email', sortOrder: 'asc', page: 3, pageSize: 50 });
    assert.deepEqual(state, { ...DEFAULT_STATE, sortBy: 'email', sortOrder: 'asc', pageSize: 50 });
  });

  it('toggles the order of the sorted column and starts another in its default order', () => {
    let state = toggleSort(DEFAULT_STATE, 'name');
    assert.deepEqual([state.sortBy, state.sortOrder], ['name', 'asc']);
    state = toggleSort(state, 'name');
    assert.deepEqual([state.sortBy, state.sortOrder], ['name', 'desc']);
    state = toggleSort(state, 'createdAt');
    assert.deepEqual([state.sortBy, state.sortOrder], ['createdAt', 'desc']);
    state = toggleSort(state, 'createdAt');
    assert.deepEqual([state.sortBy, state.sortOrder], ['createdAt', 'asc']);
    assert.equal(toggleSort({ ...state, page: 4 }, 'email').page, 1);
  });

  it('refuses to sort by a column the API cannot sort', () => {
    assert.equal(toggleSort(DEFAULT_STATE, 'phone').sortBy, 'createdAt');
  });

  it('tells each header its aria-sort', () => {
    const state = normalizeState({ sortBy: 'name', sortOrder: 'asc' });
    assert.equal(ariaSort(state, 'name'), 'ascending');
    assert.equal(ariaSort({ ...state, sortOrder: 'desc' }, 'name'), 'descending');
    assert.equal(ariaSort(state, 'email'), 'none');
  });
});
