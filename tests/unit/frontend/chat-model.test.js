// "Ask about your leads": the lead table mapping, the history sent, what an answer shows, the stored
// conversation; and the answer built against a stand-in `document` that refuses any HTML parsing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import {
  HISTORY_TURNS,
  INITIAL_SUGGESTIONS,
  KEPT_TURNS,
  MAX_QUESTION_CHARS,
  addTurn,
  answerView,
  checkQuestion,
  emptyConversation,
  groupItems,
  historyFor,
  isHistoryRefusal,
  joinWords,
  leadTableView,
  normalizeReply,
  parseConversation,
  requestBody,
  serializeConversation,
  showingLeadsText,
  withoutContext,
} from '../../../frontend/js/chat-model.js';
import { renderAnswer, renderTurn } from '../../../frontend/js/chat.js';
import { fakeDocument } from './fake-document.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

function query(extra = {}) {
  return { action: 'count', filters: [], sort: { by: 'createdAt', order: 'desc' }, limit: 20, ...extra };
}

function reply(extra = {}) {
  return normalizeReply({
    understood: true,
    answer: 'There are 3 leads.',
    interpretation: 'all leads',
    query: query(),
    count: 3,
    leads: [],
    interpreter: 'offline',
    ...extra,
  });
}

const lead = (n, extra = {}) => ({
  leadId: `lead-${n}`,
  name: `Person ${n}`,
  email: `p${n}@example.com`,
  phone: '+15551234567',
  company: 'Acme',
  industry: 'Retail',
  source: 'Webinar',
  title: 'CEO',
  notes: 'not shown',
  sources: [{ fileName: 'a.xlsx' }],
  ...extra,
});

describe('leadTableView', () => {
  it('maps equals on company, industry, source and upload to the table filters exactly', () => {
    const view = leadTableView(
      query({
        action: 'list',
        filters: [
          { field: 'company', op: 'equals', value: 'Acme' },
          { field: 'industry', op: 'equals', value: 'Retail' },
          { field: 'source', op: 'equals', value: 'Trade show' },
          { field: 'upload', op: 'equals', value: 'e0dd6db2c1e84ee6' },
        ],
      }),
    );
    assert.deepEqual(view.filters, { search: '', company: 'Acme', industry: 'Retail', source: 'Trade show', uploadId: 'e0dd6db2c1e84ee6' });
    assert.equal(view.href, '?company=Acme&industry=Retail&source=Trade+show&uploadId=e0dd6db2c1e84ee6');
    assert.deepEqual(view.applied, ['company', 'industry', 'source', 'uploadId']);
    assert.deepEqual(view.unsupported, []);
    assert.equal(view.exact, true);
    assert.equal(view.available, true);
    assert.equal(view.explanation, '');
  });

  it('offers the whole table for a question about all leads', () => {
    const view = leadTableView(query());
    assert.equal(view.exact, true);
    assert.equal(view.available, true);
    assert.deepEqual(view.applied, []);
    assert.deepEqual(view.filters, { search: '', company: '', industry: '', source: '', uploadId: '' });
    assert.equal(view.href, '?');
  });

  it('applies the expressible part and names what the table cannot do', () => {
    const view = leadTableView(
      query({
        filters: [
          { field: 'company', op: 'equals', value: 'Acme' },
          { field: 'phone', op: 'is_not_empty' },
        ],
        created: { preset: 'this_week' },
      }),
    );
    assert.deepEqual(view.filters, { search: '', company: 'Acme', industry: '', source: '', uploadId: '' });
    assert.equal(view.exact, false);
    assert.equal(view.available, true);
    assert.deepEqual(view.unsupported, ['phone', 'date']);
    assert.equal(view.explanation, "The lead table can't filter by phone or date; it shows the company filter only.");
  });

  it('words operators, grouping and several filters', () => {
    const view = leadTableView(
      query({
        action: 'group_by',
        group_by: 'company',
        top: 10,
        filters: [
          { field: 'industry', op: 'equals', value: 'Retail' },
          { field: 'source', op: 'equals', value: 'Webinar' },
          { field: 'company', op: 'contains', value: 'acme' },
          { field: 'email', op: 'is_empty' },
          { field: 'worksheet', op: 'equals', value: 'Webinar' },
          { field: 'source', op: 'is_empty' },
        ],
        created: { from: '2026-01-01', to: '2026-01-31' },
      }),
    );
    assert.deepEqual(view.filters, { search: '', company: '', industry: 'Retail', source: 'Webinar', uploadId: '' });
    assert.equal(
      view.explanation,
      'The lead table can\'t filter by company containing "acme", email, worksheet, empty source or date or group by company; ' +
        'it shows the industry and source filters only.',
    );
  });

  it('keeps one value per filter; a second different value is named, the same one again is not', () => {
    const same = leadTableView(
      query({ filters: [{ field: 'company', op: 'equals', value: 'Müller' }, { field: 'company', op: 'equals', value: ' muller ' }] }),
    );
    assert.equal(same.exact, true);
    assert.equal(same.filters.company, 'Müller');
    const other = leadTableView(
      query({ filters: [{ field: 'company', op: 'equals', value: 'Acme' }, { field: 'company', op: 'equals', value: 'Globex' }] }),
    );
    assert.equal(other.filters.company, 'Acme');
    assert.equal(other.explanation, 'The lead table can\'t filter by company "Globex"; it shows the company filter only.');
  });

  it('does not offer the table when nothing can be applied', () => {
    for (const q of [
      query({ filters: [{ field: 'phone', op: 'is_not_empty' }] }),
      query({ created: { preset: 'this_week' } }),
      query({ action: 'group_by', group_by: 'source', top: 10 }),
      query({ filters: [{ field: 'worksheet', op: 'equals', value: 'Webinar' }] }),
      query({ filters: [{ field: 'upload', op: 'equals', value: '../etc/passwd' }] }),
    ]) {
      const view = leadTableView(q);
      assert.equal(view.available, false, JSON.stringify(q));
      assert.equal(view.explanation, '');
    }
    assert.equal(leadTableView(null).available, false);
    assert.equal(leadTableView(undefined).available, false);
  });

  it('joins words the English way', () => {
    assert.equal(joinWords([]), '');
    assert.equal(joinWords(['a']), 'a');
    assert.equal(joinWords(['a', 'b']), 'a or b');
    assert.equal(joinWords(['a', 'b', 'c'], 'and'), 'a, b and c');
  });
});

describe('the history sent', () => {
  const turns = Array.from({ length: 8 }, (_, i) => ({
    question: `question ${i + 1}`,
    reply: reply({ query: i === 6 ? null : query({ filters: [{ field: 'company', op: 'equals', value: `C${i + 1}` }] }) }),
  }));

  it('is the last 5 turns, oldest first, each {question, query}', () => {
    const history = historyFor(turns);
    assert.equal(HISTORY_TURNS, 5);
    assert.deepEqual(
      history.map((turn) => turn.question),
      ['question 4', 'question 5', 'question 6', 'question 7', 'question 8'],
    );
    for (const turn of history) assert.deepEqual(Object.keys(turn), ['question', 'query']);
    assert.equal(history[0].query.filters[0].value, 'C4');
    assert.equal(history[3].query, null); // a question that was not understood
  });

  it('is empty at the start and whole when short', () => {
    assert.deepEqual(historyFor([]), []);
    assert.deepEqual(historyFor(undefined), []);
    assert.equal(historyFor(turns.slice(0, 2)).length, 2);
  });

  it('makes the request body', () => {
    assert.deepEqual(requestBody('and how many of them have phones?', turns.slice(0, 1)), {
      message: 'and how many of them have phones?',
      history: [{ question: 'question 1', query: turns[0].reply.query }],
    });
    assert.deepEqual(requestBody('Top 5 industries', []), { message: 'Top 5 industries', history: [] });
  });
});

describe('checkQuestion', () => {
  it('trims and accepts up to 500 characters', () => {
    assert.deepEqual(checkQuestion('  Top 5 industries \n'), { question: 'Top 5 industries' });
    assert.deepEqual(checkQuestion('x'.repeat(MAX_QUESTION_CHARS)), { question: 'x'.repeat(500) });
    assert.deepEqual(checkQuestion('é'.repeat(500)), { question: 'é'.repeat(500) });
  });

  it('says what is wrong with an empty or long question', () => {
    assert.equal(checkQuestion('   ').error, 'Type a question first, or pick one of the suggestions.');
    assert.equal(checkQuestion(undefined).error, 'Type a question first, or pick one of the suggestions.');
    assert.equal(checkQuestion('x'.repeat(1234)).error, 'Questions are limited to 500 characters; this one has 1,234.');
  });
});

describe('normalizeReply', () => {
  it('keeps what the panel shows and drops the rest', () => {
    const clean = normalizeReply({
      understood: true,
      answer: 'Hi',
      query: query(),
      count: '7',
      leads: [lead(1), null, 'x', lead(2, { phone: 5551234 })],
      interpreter: 'deepseek',
      extra: 'ignored',
    });
    assert.equal(clean.count, 7);
    assert.equal(clean.interpreter, 'deepseek');
    assert.equal(clean.leads.length, 2);
    assert.deepEqual(Object.keys(clean.leads[0]).sort(), ['company', 'email', 'industry', 'leadId', 'name', 'phone', 'source']);
    assert.equal(clean.leads[1].phone, '5551234');
    assert.equal(clean.groups, null);
    assert.equal(clean.note, '');
    assert.equal('extra' in clean, false);
  });

  it('refuses what is not an answer and caps the leads at 20', () => {
    assert.equal(normalizeReply(null), null);
    assert.equal(normalizeReply([]), null);
    assert.equal(normalizeReply({ understood: true }), null);
    const many = normalizeReply({ answer: 'x', leads: Array.from({ length: 30 }, (_, i) => lead(i)) });
    assert.equal(many.leads.length, 20);
    assert.equal(many.understood, false);
    assert.equal(many.interpreter, 'offline');
    assert.equal(normalizeReply({ answer: 'x', count: -3 }).count, 0);
  });
});

describe('answerView', () => {
  it('shows a group-by as a chart and a table, with Other and Not set last', () => {
    const view = answerView(
      reply({
        answer: 'Top companies: Acme (5), Globex (2).',
        query: query({ action: 'group_by', group_by: 'company', top: 2 }),
        count: 12,
        leads: [lead(1)],
        groups: { field: 'company', values: [{ value: 'Acme', count: 5 }, { value: 'Globex', count: 2 }], other: 3, blank: 2 },
      }),
    );
    assert.equal(view.kind, 'group');
    assert.equal(view.chart.title, 'Leads by company');
    assert.deepEqual(view.chart.items.map((item) => [item.label, item.value]), [['Acme', 5], ['Globex', 2], ['Other', 3], ['Not set', 2]]);
    assert.equal(view.groupTable.caption, 'Leads by company');
    assert.equal(view.groupTable.column, 'Company');
    assert.deepEqual(view.groupTable.rows.map((row) => [row.label, row.count, row.kind]), [
      ['Acme', '5', ''],
      ['Globex', '2', ''],
      ['Other', '3', 'other'],
      ['Not set', '2', 'blank'],
    ]);
    assert.equal(view.leadsTable, null); // a group-by answers with counts, not leads
    assert.equal(view.link, null); // grouping alone cannot be shown in the lead table
  });

  it('draws nothing for a group-by without groups', () => {
    const view = answerView(
      reply({ query: query({ action: 'group_by', group_by: 'industry', top: 5 }), count: 0, groups: { field: 'industry', values: [], other: 0, blank: 0 } }),
    );
    assert.equal(view.kind, 'group');
    assert.equal(view.chart, null);
    assert.equal(view.groupTable, null);
    assert.deepEqual(groupItems(null), []);
  });

  it('shows a list as a table of leads with "Showing N of COUNT"', () => {
    const filters = [{ field: 'company', op: 'equals', value: 'Acme' }];
    const view = answerView(
      reply({
        query: query({ action: 'list', filters }),
        count: 1234,
        leads: [lead(1), lead(2, { name: '', firstName: 'Ann', lastName: 'Lee', industry: '' })],
        interpretation: 'company is "Acme"',
        note: 'The AI is paused.',
      }),
    );
    assert.equal(view.kind, 'leads');
    assert.equal(view.interpretation, 'company is "Acme"');
    assert.equal(view.note, 'The AI is paused.');
    assert.equal(view.leadsTable.caption, 'Matching leads');
    assert.deepEqual(view.leadsTable.columns, ['Name', 'Email', 'Phone', 'Company', 'Industry', 'Source']);
    assert.deepEqual(view.leadsTable.rows[0], {
      leadId: 'lead-1',
      cells: ['Person 1', 'p1@example.com', '+15551234567', 'Acme', 'Retail', 'Webinar'],
    });
    assert.deepEqual(view.leadsTable.rows[1].cells, ['Ann Lee', 'p2@example.com', '+15551234567', 'Acme', '', 'Webinar']);
    assert.equal(view.leadsTable.showing, 'Showing 2 of 1,234');
    assert.equal(view.link.exact, true);
    assert.equal(view.link.filters.company, 'Acme');
  });

  it('shows a count with its leads, and words alone without any', () => {
    const withLeads = answerView(reply({ count: 2, leads: [lead(1), lead(2)] }));
    assert.equal(withLeads.kind, 'leads');
    assert.equal(withLeads.leadsTable.showing, '');
    const none = answerView(reply({ answer: 'No leads match: created today.', count: 0, query: query({ created: { preset: 'today' } }) }));
    assert.equal(none.kind, 'count');
    assert.equal(none.leadsTable, null);
    assert.equal(none.chart, null);
    assert.equal(none.link, null);
    assert.equal(showingLeadsText(20, 20), '');
    assert.equal(showingLeadsText(20, 21), 'Showing 20 of 21');
  });

  it('shows a question it did not understand as words only', () => {
    const view = answerView(
      normalizeReply({
        understood: false,
        answer: "I didn't understand that question.",
        query: null,
        count: 0,
        leads: [],
        suggestions: ['Top 5 industries'],
        interpreter: 'offline',
        interpretation: 'ignored',
      }),
    );
    assert.equal(view.kind, 'not-understood');
    assert.equal(view.interpretation, '');
    assert.equal(view.link, null);
    assert.equal(view.leadsTable, null);
  });
});

describe('the conversation', () => {
  it('starts with the six suggestions', () => {
    assert.deepEqual(emptyConversation(), { turns: [], suggestions: [...INITIAL_SUGGESTIONS] });
    assert.equal(INITIAL_SUGGESTIONS.length, 6);
  });

  it('takes the suggestions of an answer it did not understand, and keeps them after one it did', () => {
    const puzzled = normalizeReply({ understood: false, answer: '?', suggestions: ['Leads by source', 42, ''] });
    let conversation = addTurn(emptyConversation(), 'what?', puzzled);
    assert.deepEqual(conversation.suggestions, ['Leads by source']);
    conversation = addTurn(conversation, 'Leads by source', reply());
    assert.deepEqual(conversation.suggestions, ['Leads by source']);
    assert.equal(conversation.turns.length, 2);
  });

  it(`keeps the last ${KEPT_TURNS} turns`, () => {
    let conversation = emptyConversation();
    for (let i = 1; i <= KEPT_TURNS + 3; i += 1) conversation = addTurn(conversation, `q${i}`, reply());
    assert.equal(conversation.turns.length, KEPT_TURNS);
    assert.equal(conversation.turns[0].question, 'q4');
  });

  it('round-trips through storage', () => {
    const conversation = addTurn(
      addTurn(emptyConversation(), 'Leads by source', reply({ query: query({ action: 'group_by', group_by: 'source', top: 10 }) })),
      'Show leads',
      reply({ leads: [lead(1)] }),
    );
    assert.deepEqual(parseConversation(serializeConversation(conversation)), conversation);
  });

  it('reads anything unusable back as an empty conversation, and checks what it reads', () => {
    for (const stored of [null, '', '{', '[]', '{"version":2,"turns":[]}', '{"version":1}']) {
      assert.deepEqual(parseConversation(stored), emptyConversation(), String(stored));
    }
    const stored = JSON.stringify({
      version: 1,
      turns: [{ question: 'q', reply: { answer: 'a', leads: [{ name: HOSTILE, notes: 'secret' }] } }, { question: 'no reply' }, 'x'],
      suggestions: [],
    });
    const read = parseConversation(stored);
    assert.equal(read.turns.length, 1);
    assert.deepEqual(read.turns[0].reply.leads, [{ name: HOSTILE }]);
    assert.deepEqual(read.suggestions, [...INITIAL_SUGGESTIONS]);
  });
});

// --- the answer in the page ---------------------------------------------------------------------------

describe('renderAnswer', () => {
  before(() => {
    globalThis.document = fakeDocument;
  });
  after(() => {
    delete globalThis.document;
  });

  it('writes hostile answers, notes and leads as text', () => {
    const element = renderAnswer(
      reply({
        answer: HOSTILE,
        interpretation: `company is "${HOSTILE}"`,
        note: HOSTILE,
        query: query({ action: 'list', filters: [{ field: 'company', op: 'equals', value: HOSTILE }] }),
        count: 1,
        leads: [lead(1, { name: HOSTILE, company: HOSTILE })],
      }),
    );
    assert.equal(element.find('img').length, 0);
    assert.equal(element.having('data-chat-answer-text')[0].textContent, HOSTILE);
    assert.equal(element.having('data-chat-interpretation')[0].textContent, `Understood as: company is "${HOSTILE}"`);
    assert.equal(element.having('data-chat-note')[0].textContent, HOSTILE);
    const table = element.find('table')[0];
    assert.equal(table.find('caption')[0].textContent, 'Matching leads');
    assert.deepEqual(table.find('th').map((th) => th.textContent), ['Name', 'Email', 'Phone', 'Company', 'Industry', 'Source']);
    assert.equal(table.find('td')[0].textContent, HOSTILE);
  });

  it('opens the lead table with the mapped filters and explains what it leaves out', () => {
    let opened = null;
    const element = renderAnswer(
      reply({
        query: query({ filters: [{ field: 'company', op: 'equals', value: 'Acme' }], created: { preset: 'today' } }),
      }),
      { onOpen: (filters) => (opened = filters) },
    );
    const link = element.find('a')[0];
    assert.equal(link.textContent, 'Open in lead table');
    assert.equal(link.getAttribute('href'), '?company=Acme');
    const note = element.find('p').find((p) => p.getAttribute('id') === link.getAttribute('aria-describedby'));
    assert.equal(note.textContent, "The lead table can't filter by date; it shows the company filter only.");
    let prevented = false;
    link.listeners.get('click')({ button: 0, ctrlKey: true, preventDefault: () => (prevented = true) });
    assert.equal(opened, null); // a new tab follows the address
    link.listeners.get('click')({ button: 0, preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
    assert.deepEqual(opened, { search: '', company: 'Acme', industry: '', source: '', uploadId: '' });
  });

  it('draws a group-by as a chart with a title per bar, a hidden list and a table', () => {
    const element = renderAnswer(
      reply({
        query: query({ action: 'group_by', group_by: 'industry', top: 5 }),
        count: 9,
        groups: { field: 'industry', values: [{ value: HOSTILE, count: 7 }], other: 0, blank: 2 },
      }),
    );
    const svg = element.find('svg')[0];
    assert.equal(svg.getAttribute('role'), 'img');
    assert.deepEqual(
      svg.find('g').map((g) => g.children[0].textContent),
      [`${HOSTILE}: 7 leads`, 'Not set: 2 leads'],
    );
    assert.deepEqual(element.find('li').map((li) => li.textContent), [`${HOSTILE}: 7 leads`, 'Not set: 2 leads']);
    const table = element.find('table')[0];
    assert.equal(table.find('caption')[0].textContent, 'Leads by industry');
    assert.deepEqual(table.find('tr').map((tr) => tr.textContent), ['IndustryLeads', `${HOSTILE}7`, 'Not set2']);
    assert.equal(element.find('a').length, 0);
    assert.equal(element.find('img').length, 0);
  });

  it('shows a question as a heading, and "Thinking…" until its answer', () => {
    const turn = renderTurn({ question: HOSTILE, reply: null });
    assert.equal(turn.find('h3')[0].textContent, HOSTILE);
    assert.equal(turn.having('data-chat-pending')[0].textContent, 'Thinking…');
    assert.equal(turn.find('img').length, 0);
  });
});

describe('index.html', () => {
  const html = readFileSync(new URL('../../../frontend/index.html', import.meta.url), 'utf8');

  it('has the panel, its labelled input and its live conversation', () => {
    assert.match(html, /<section id="chat" [^>]*aria-labelledby="chat-heading">/);
    assert.match(html, /<h2 id="chat-heading" [^>]*>Ask about your leads<\/h2>/);
    assert.match(html, /<label for="chat-input" class="field-label">Ask a question<\/label>/);
    assert.match(html, /<input id="chat-input" [^>]*maxlength="500"/);
    assert.match(html, /<div id="chat-log" role="log" aria-live="polite" aria-label="Conversation"/);
    assert.match(html, /<button id="chat-submit" type="submit" [^>]*>Ask<\/button>/);
    assert.match(html, /<button id="chat-clear" type="button" [^>]*>Clear conversation<\/button>/);
    assert.match(html, /<p id="chat-error" role="alert" [^>]*hidden><\/p>/);
    assert.ok(html.indexOf('id="glance"') < html.indexOf('id="chat"'));
    assert.ok(html.indexOf('id="chat"') < html.indexOf('id="leads-heading"'));
  });
});

describe('a refused history', () => {
  it('is recognised by the 400 naming the history, not by other 400s', () => {
    assert.ok(isHistoryRefusal({ status: 400, message: 'history[0].query: action must be one of count, list, group_by.' }));
    assert.ok(!isHistoryRefusal({ status: 400, message: 'Questions are limited to 500 characters; this one has 501.' }));
    assert.ok(!isHistoryRefusal({ status: 500, message: 'history' }));
    assert.ok(!isHistoryRefusal(undefined));
  });

  it('keeps the turns but sends them without their queries', () => {
    const stale = { action: 'delete' };
    let conversation = addTurn(emptyConversation(), 'who came in today?', { understood: true, query: stale, suggestions: [] });
    conversation = withoutContext(conversation);
    assert.equal(conversation.turns.length, 1);
    assert.equal(conversation.turns[0].question, 'who came in today?');
    assert.deepEqual(requestBody('and them?', conversation.turns).history, [{ question: 'who came in today?', query: null }]);
  });
});
