// "Ask about your leads": the conversation, what is sent to POST /chatbot, what an answer shows, and how a
// chat query becomes a lead table view. Pure: no DOM, no globals.

import { summaryItems } from './chart-geometry.js';
import { formatNumber } from './format.js';
import { DEFAULT_STATE, toQueryString } from './query-state.js';

export const MAX_QUESTION_CHARS = 500;
export const HISTORY_TURNS = 5; // the server reads the last 5 turns
export const KEPT_TURNS = 20; // what the panel keeps (and the browser stores) of one conversation
export const MAX_LEADS = 20;
export const STORAGE_KEY = 'easycrm.chat';

export const INITIAL_SUGGESTIONS = Object.freeze([
  'How many leads came in this week?',
  'Which companies have the most leads?',
  'Top 5 industries',
  'Leads by source',
  'Show leads with a phone number',
  'Who came from the Webinar sheet?',
]);

const MAX_SUGGESTIONS = 8;
const MAX_TEXT = 4000;
const LEAD_FIELDS = ['leadId', 'name', 'firstName', 'lastName', 'email', 'phone', 'company', 'industry', 'source'];

/** The words for a lead field or query field ("firstName" → "first name"). */
export const FIELD_LABELS = Object.freeze({
  name: 'name',
  firstName: 'first name',
  lastName: 'last name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  title: 'title',
  industry: 'industry',
  source: 'source',
  country: 'country',
  notes: 'notes',
  worksheet: 'worksheet',
  file: 'file',
  upload: 'upload',
});

/** Query fields the lead table filters by (exact value, case and accents ignored), and its name for them. */
const TABLE_FILTERS = Object.freeze({ company: 'company', industry: 'industry', source: 'source', upload: 'uploadId' });
const TABLE_FILTER_WORDS = Object.freeze({ company: 'company', industry: 'industry', source: 'source', uploadId: 'upload' });
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

function text(value, max = MAX_TEXT) {
  if (typeof value !== 'string') return '';
  return value.length > max ? value.slice(0, max) : value;
}

function plainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function count(value) {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? Math.floor(number) : 0;
}

function capitalize(word) {
  return word ? word[0].toUpperCase() + word.slice(1) : word;
}

/** "a", "a or b", "a, b or c" (`and` with word "and"). */
export function joinWords(words, word = 'or') {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${word} ${words[words.length - 1]}`;
}

// --- the question ---------------------------------------------------------------------------------

/** A question ready to send (`{question}`), or what is wrong with it (`{error}`). */
export function checkQuestion(input) {
  const question = typeof input === 'string' ? input.trim() : '';
  if (!question) return { error: 'Type a question first, or pick one of the suggestions.' };
  const length = Array.from(question).length;
  if (length > MAX_QUESTION_CHARS) {
    return { error: `Questions are limited to ${MAX_QUESTION_CHARS} characters; this one has ${formatNumber(length)}.` };
  }
  return { question };
}

// --- the reply --------------------------------------------------------------------------------------

function cleanLead(lead) {
  if (!plainObject(lead)) return null;
  const clean = {};
  for (const key of LEAD_FIELDS) {
    const value = lead[key];
    if (typeof value === 'string' && value) clean[key] = text(value, 500);
    else if (typeof value === 'number' && Number.isFinite(value)) clean[key] = String(value);
  }
  return clean;
}

function cleanGroups(groups) {
  if (!plainObject(groups)) return null;
  const values = (Array.isArray(groups.values) ? groups.values : [])
    .filter(plainObject)
    .map((group) => ({ value: text(String(group.value ?? ''), 500), count: count(group.count) }));
  return { field: text(groups.field, 40), values, other: count(groups.other), blank: count(groups.blank) };
}

/**
 * A POST /chatbot answer (or one read back from storage) with only what the panel shows, every piece checked:
 * `{understood, answer, interpretation, note, query, count, leads, groups, suggestions, interpreter}`.
 * null when it is not an answer at all.
 */
export function normalizeReply(raw) {
  if (!plainObject(raw) || typeof raw.answer !== 'string') return null;
  const suggestions = (Array.isArray(raw.suggestions) ? raw.suggestions : [])
    .filter((item) => typeof item === 'string' && item.trim() && item.length <= MAX_QUESTION_CHARS)
    .slice(0, MAX_SUGGESTIONS);
  return {
    understood: raw.understood === true,
    answer: text(raw.answer),
    interpretation: text(raw.interpretation),
    note: text(raw.note),
    query: plainObject(raw.query) ? raw.query : null,
    count: count(raw.count),
    leads: (Array.isArray(raw.leads) ? raw.leads : []).map(cleanLead).filter(Boolean).slice(0, MAX_LEADS),
    groups: cleanGroups(raw.groups),
    suggestions,
    interpreter: raw.interpreter === 'deepseek' ? 'deepseek' : 'offline',
  };
}

/** "Showing 20 of 143" when the answer shows fewer leads than match; "" otherwise. */
export function showingLeadsText(shown, total) {
  return total > shown ? `Showing ${formatNumber(shown)} of ${formatNumber(total)}` : '';
}

/** Bars and table rows of a group-by: the top values, then "Other" and "Not set". */
export function groupItems(groups) {
  if (!groups) return [];
  return summaryItems({ groups: groups.values, other: groups.other, blank: groups.blank });
}

function leadName(lead) {
  return lead.name || [lead.firstName, lead.lastName].filter(Boolean).join(' ');
}

/**
 * What one answer shows. `kind`: "not-understood", "group" (chart and table of counts), "leads" (a table of
 * the leads) or "count" (words only). `link`: the lead table view (see leadTableView), or null.
 */
export function answerView(reply) {
  const view = {
    kind: 'count',
    answer: reply.answer,
    interpretation: reply.understood ? reply.interpretation : '',
    note: reply.note,
    interpreter: reply.interpreter,
    chart: null,
    groupTable: null,
    leadsTable: null,
    link: null,
  };
  if (!reply.understood) return { ...view, kind: 'not-understood' };
  const link = leadTableView(reply.query);
  view.link = link.available ? link : null;
  const action = reply.query?.action;
  const field = reply.groups?.field || reply.query?.group_by || '';
  if (reply.groups || action === 'group_by') {
    const items = groupItems(reply.groups);
    const label = FIELD_LABELS[field] || field || 'value';
    const title = `Leads by ${label}`;
    view.kind = 'group';
    if (items.length) {
      view.chart = { title, items };
      view.groupTable = {
        caption: title,
        column: capitalize(label),
        rows: items.map((item) => ({ label: item.label, count: formatNumber(item.value), kind: item.kind || '' })),
      };
    }
    return view;
  }
  if (reply.leads.length) {
    view.kind = 'leads';
    view.leadsTable = {
      caption: 'Matching leads',
      columns: ['Name', 'Email', 'Phone', 'Company', 'Industry', 'Source'],
      rows: reply.leads.map((lead) => ({
        leadId: lead.leadId || '',
        cells: [leadName(lead), lead.email, lead.phone, lead.company, lead.industry, lead.source].map((value) => value || ''),
      })),
      showing: showingLeadsText(reply.leads.length, reply.count),
    };
  }
  return view;
}

// --- the lead table ---------------------------------------------------------------------------------

function folded(value) {
  return String(value).normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

function conditionWords(condition) {
  const label = FIELD_LABELS[condition.field] || String(condition.field || 'a field');
  const value = typeof condition.value === 'string' ? condition.value : '';
  if (!TABLE_FILTERS[condition.field]) return label;
  switch (condition.op) {
    case 'contains':
      return `${label} containing "${value}"`;
    case 'is_empty':
      return `empty ${label}`;
    case 'is_not_empty':
      return `non-empty ${label}`;
    default:
      return value ? `${label} "${value}"` : label;
  }
}

/**
 * The lead table's equivalent of a chat query. Only `equals` on company, industry, source and upload can be
 * shown there; everything else (other fields, other operators, dates, grouping) is named in `explanation`.
 *
 * Returns `{filters: {search, company, industry, source, uploadId}, href, applied: [...], unsupported: [...],
 * grouped, exact, available, explanation}`. `href`: the lead table's address for these filters ("?company=Acme").
 * `available`: worth opening the table (the view is exact, or at least one condition applies).
 */
export function leadTableView(query) {
  const filters = { search: '', company: '', industry: '', source: '', uploadId: '' };
  const applied = [];
  const unsupported = [];
  const conditions = Array.isArray(query?.filters) ? query.filters : [];
  const note = (words) => {
    if (!unsupported.includes(words)) unsupported.push(words);
  };

  for (const condition of conditions) {
    const key = plainObject(condition) ? TABLE_FILTERS[condition.field] : undefined;
    const value = plainObject(condition) && typeof condition.value === 'string' ? condition.value.trim() : '';
    const usable = key && condition.op === 'equals' && value && (key !== 'uploadId' || UPLOAD_ID.test(value));
    if (!usable) {
      note(plainObject(condition) ? conditionWords(condition) : 'a condition');
    } else if (!filters[key]) {
      filters[key] = value;
      applied.push(key);
    } else if (folded(filters[key]) !== folded(value)) {
      note(conditionWords(condition)); // a second, different value for the same filter
    }
  }
  if (plainObject(query?.created)) note('date');

  const grouped = query?.action === 'group_by' ? FIELD_LABELS[query.group_by] || String(query.group_by || '') : '';
  const exact = plainObject(query) && !unsupported.length && !grouped;
  const available = exact || applied.length > 0;

  let explanation = '';
  if (available && !exact) {
    const cannot = [];
    if (unsupported.length) cannot.push(`filter by ${joinWords(unsupported)}`);
    if (grouped) cannot.push(`group by ${grouped}`);
    const names = applied.map((key) => TABLE_FILTER_WORDS[key]);
    const shows = `it shows the ${joinWords(names, 'and')} filter${names.length === 1 ? '' : 's'} only`;
    explanation = `The lead table can't ${cannot.join(' or ')}; ${shows}.`;
  }
  const href = `?${toQueryString({ ...DEFAULT_STATE, ...filters })}`;
  return { filters, href, applied, unsupported, grouped, exact, available, explanation };
}

// --- the conversation ---------------------------------------------------------------------------------

/** The last turns as POST /chatbot wants them: `[{question, query}]`, oldest first, at most 5. */
export function historyFor(turns, limit = HISTORY_TURNS) {
  return (Array.isArray(turns) ? turns : [])
    .filter((turn) => turn && typeof turn.question === 'string' && turn.question && turn.reply)
    .slice(-limit)
    .map((turn) => ({ question: turn.question, query: turn.reply.query ?? null }));
}

/** The body of POST /chatbot for a question asked after `turns`. */
export function requestBody(question, turns) {
  return { message: question, history: historyFor(turns) };
}

/**
 * The server refused the history it was sent (a query stored before the query language changed, or an
 * edited sessionStorage): keep the turns on screen but forget their queries, so follow-ups start afresh.
 */
export function isHistoryRefusal(failure) {
  return Boolean(failure) && failure.status === 400 && /^history\b/.test(String(failure.message || ''));
}

export function withoutContext(conversation) {
  const turns = conversation.turns.map((turn) => (turn.reply ? { ...turn, reply: { ...turn.reply, query: null } } : turn));
  return { ...conversation, turns };
}

/** The conversation after an answer: the new turn added, the oldest dropped past KEPT_TURNS. */
export function addTurn(conversation, question, reply) {
  const turns = [...conversation.turns, { question, reply }].slice(-KEPT_TURNS);
  const suggestions = !reply.understood && reply.suggestions.length ? reply.suggestions : conversation.suggestions;
  return { turns, suggestions };
}

export function emptyConversation() {
  return { turns: [], suggestions: [...INITIAL_SUGGESTIONS] };
}

/** The conversation as stored text. */
export function serializeConversation(conversation) {
  return JSON.stringify({ version: 1, turns: conversation.turns, suggestions: conversation.suggestions });
}

/** A stored conversation read back, checked like a fresh answer; an empty one for anything unreadable. */
export function parseConversation(stored) {
  let data;
  try {
    data = typeof stored === 'string' ? JSON.parse(stored) : null;
  } catch {
    data = null;
  }
  if (!plainObject(data) || data.version !== 1) return emptyConversation();
  const turns = (Array.isArray(data.turns) ? data.turns : [])
    .filter((turn) => plainObject(turn) && typeof turn.question === 'string' && turn.question.trim())
    .map((turn) => ({ question: text(turn.question, MAX_QUESTION_CHARS), reply: normalizeReply(turn.reply) }))
    .filter((turn) => turn.reply)
    .slice(-KEPT_TURNS);
  const suggestions = (Array.isArray(data.suggestions) ? data.suggestions : [])
    .filter((item) => typeof item === 'string' && item.trim() && item.length <= MAX_QUESTION_CHARS)
    .slice(0, MAX_SUGGESTIONS);
  return { turns, suggestions: suggestions.length ? suggestions : [...INITIAL_SUGGESTIONS] };
}
