// "Ask about your leads": questions in plain words to POST /chatbot, the answers as words, a bar chart and
// small tables, and a way to open the lead table with the same filters. The conversation stays in
// sessionStorage until sign-out.

import { barChart } from './charts.js';
import { byId, h, replace, showText } from './dom.js';
import { isAbort } from './errors.js';
import {
  STORAGE_KEY,
  addTurn,
  answerView,
  checkQuestion,
  emptyConversation,
  isHistoryRefusal,
  normalizeReply,
  parseConversation,
  requestBody,
  serializeConversation,
  withoutContext,
} from './chat-model.js';

const UNREADABLE_MESSAGE = 'The server sent an answer the app cannot read. Please try again.';
const NOT_AVAILABLE_MESSAGE = 'Questions cannot be answered on this server yet.';

let turnNumber = 0;

function cell(value, extra = '', truncate = '') {
  if (!value) {
    return h(
      'td',
      { class: `td py-1.5 text-slate-400 ${extra}` },
      h('span', { 'aria-hidden': 'true' }, '—'),
      h('span', { class: 'sr-only' }, 'not set'),
    );
  }
  if (!truncate) return h('td', { class: `td py-1.5 ${extra}` }, value);
  return h('td', { class: `td py-1.5 ${extra}` }, h('span', { class: `block truncate ${truncate}`, title: value }, value));
}

/** A table in its own horizontal scroller; `focusable` lets the keyboard scroll one that may be wider than a phone. */
function tableFrame({ focusable = false } = {}, ...content) {
  return h(
    'div',
    {
      class:
        'overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600',
      tabindex: focusable ? '0' : null,
    },
    h('table', { class: 'min-w-full divide-y divide-slate-200 text-left text-sm' }, ...content),
  );
}

function caption(text) {
  return h('caption', { class: 'px-2.5 pt-2 pb-1 text-left text-xs font-semibold text-slate-700' }, text);
}

function headRow(columns, numeric = []) {
  return h(
    'thead',
    { class: 'bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase' },
    h(
      'tr',
      {},
      columns.map((column, index) => h('th', { scope: 'col', class: `th py-2 ${numeric.includes(index) ? 'text-right' : ''}` }, column)),
    ),
  );
}

function groupSection(view) {
  return h(
    'div',
    { class: 'grid gap-4 md:grid-cols-2 md:items-start' },
    h(
      'div',
      { class: 'min-w-0 max-w-md rounded-lg bg-white p-3 ring-1 ring-slate-200', 'data-chat-chart': '' },
      barChart(view.chart.title, view.chart.items),
    ),
    h(
      'div',
      { class: 'min-w-0', 'data-chat-groups': '' },
      tableFrame(
        {},
        caption(view.groupTable.caption),
        headRow([view.groupTable.column, 'Leads'], [1]),
        h(
          'tbody',
          { class: 'divide-y divide-slate-100' },
          view.groupTable.rows.map((row) =>
            h(
              'tr',
              {},
              h(
                'th',
                { scope: 'row', class: `td py-1.5 font-normal ${row.kind ? 'text-slate-500' : 'text-slate-900'}` },
                h('span', { class: 'block max-w-[16rem] truncate', title: row.label }, row.label),
              ),
              h('td', { class: 'td py-1.5 text-right text-slate-700 tabular-nums' }, row.count),
            ),
          ),
        ),
      ),
    ),
  );
}

const LEAD_COLUMNS = [
  { extra: 'font-medium text-slate-900', truncate: 'max-w-[10rem]' }, // Name
  { extra: 'text-slate-700', truncate: 'max-w-[14rem]' }, // Email
  { extra: 'tabular-nums text-slate-700', truncate: '' }, // Phone
  { extra: 'text-slate-700', truncate: 'max-w-[10rem]' }, // Company
  { extra: 'text-slate-700', truncate: 'max-w-[8rem]' }, // Industry
  { extra: 'text-slate-700', truncate: 'max-w-[8rem]' }, // Source
];

function leadsSection(table) {
  return h(
    'div',
    { class: 'min-w-0 space-y-1.5', 'data-chat-leads': '' },
    tableFrame(
      { focusable: true },
      caption(table.caption),
      headRow(table.columns),
      h(
        'tbody',
        { class: 'divide-y divide-slate-100' },
        table.rows.map((row) =>
          h(
            'tr',
            { 'data-lead-id': row.leadId || null },
            row.cells.map((value, index) => {
              const column = LEAD_COLUMNS[index];
              const extra = value === 'N/A' ? column.extra.replace('text-slate-700', 'text-slate-400') : column.extra;
              return cell(value, extra, column.truncate);
            }),
          ),
        ),
      ),
    ),
    table.showing ? h('p', { class: 'text-xs text-slate-500', 'data-chat-showing': '' }, table.showing) : null,
  );
}

function linkSection(link, onOpen) {
  const noteId = link.explanation ? `chat-link-note-${++turnNumber}` : null;
  return h(
    'div',
    { class: 'flex flex-wrap items-center gap-x-3 gap-y-1.5' },
    h(
      'a',
      {
        href: link.href,
        class: 'btn btn-secondary btn-small',
        'aria-describedby': noteId,
        'data-chat-open': '',
        onClick: (event) => {
          // A plain click shows the filters in this page's table; a new tab or window follows the address.
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          onOpen(link.filters);
        },
      },
      'Open in lead table',
    ),
    noteId ? h('p', { id: noteId, class: 'min-w-0 text-xs text-slate-500' }, link.explanation) : null,
  );
}

/** The answer part of a turn, built from text nodes only. `onOpen(filters)`: "Open in lead table". */
export function renderAnswer(reply, { onOpen = () => {} } = {}) {
  const view = answerView(reply);
  return h(
    'div',
    {
      class: 'min-w-0 space-y-3 rounded-2xl rounded-tl-sm bg-slate-50 p-3 ring-1 ring-slate-200 sm:p-4',
      'data-chat-answer': '',
      'data-kind': view.kind,
      'data-interpreter': view.interpreter,
    },
    h('p', { class: 'text-sm break-words whitespace-pre-line text-slate-900', 'data-chat-answer-text': '' }, view.answer),
    view.interpretation
      ? h('p', { class: 'text-xs break-words text-slate-500', 'data-chat-interpretation': '' }, `Understood as: ${view.interpretation}`)
      : null,
    view.note ? h('p', { class: 'notice notice-warning text-xs break-words', 'data-chat-note': '' }, view.note) : null,
    view.chart ? groupSection(view) : null,
    view.leadsTable ? leadsSection(view.leadsTable) : null,
    view.link ? linkSection(view.link, onOpen) : null,
  );
}

function questionHeading(question) {
  return h(
    'h3',
    {
      class: 'ml-auto w-fit max-w-[85%] rounded-2xl rounded-br-sm bg-indigo-600 px-3.5 py-2 text-sm font-medium break-words text-white',
      'data-chat-question': '',
    },
    question,
  );
}

/** One turn of the conversation: the question, then its answer (or "Thinking…" while there is none). */
export function renderTurn(turn, options) {
  return h(
    'div',
    { class: 'space-y-2', 'data-chat-turn': '' },
    questionHeading(turn.question),
    turn.reply
      ? renderAnswer(turn.reply, options)
      : h('p', { class: 'text-sm text-slate-500', 'data-chat-pending': '' }, 'Thinking…'),
  );
}

export function createChat({ api, storage, onOpenInTable = () => {} }) {
  const log = byId('chat-log');
  const empty = byId('chat-empty');
  const form = byId('chat-form');
  const input = byId('chat-input');
  const submit = byId('chat-submit');
  const error = byId('chat-error');
  const suggestionList = byId('chat-suggestions');
  const clearButton = byId('chat-clear');

  let active = false;
  let conversation = emptyConversation();
  let controller = null;
  let pending = null; // the turn element of the question being answered

  // --- storage --------------------------------------------------------------------------------------

  function save() {
    try {
      if (conversation.turns.length) storage.setItem(STORAGE_KEY, serializeConversation(conversation));
      else storage.removeItem(STORAGE_KEY);
    } catch {
      // Storage full or blocked: the conversation still works in this page.
    }
  }

  function restore() {
    try {
      return parseConversation(storage.getItem(STORAGE_KEY));
    } catch {
      return emptyConversation();
    }
  }

  function forget() {
    try {
      storage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
  }

  // --- the view -------------------------------------------------------------------------------------

  function busy() {
    return controller !== null;
  }

  function syncControls() {
    const waiting = busy();
    submit.disabled = waiting;
    submit.textContent = waiting ? 'Thinking…' : 'Ask';
    for (const button of suggestionList.querySelectorAll('button')) button.disabled = waiting;
    const hasTurns = conversation.turns.length > 0 || waiting;
    clearButton.disabled = !hasTurns;
    empty.hidden = hasTurns;
    if (hasTurns) log.setAttribute('tabindex', '0');
    else log.removeAttribute('tabindex');
  }

  function renderSuggestions() {
    replace(
      suggestionList,
      conversation.suggestions.map((question) =>
        h(
          'li',
          { class: 'min-w-0' },
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary btn-small max-w-full text-left whitespace-normal',
              onClick: () => ask(question),
            },
            question,
          ),
        ),
      ),
    );
  }

  function turnOptions() {
    return { onOpen: (filters) => onOpenInTable(filters) };
  }

  function showLatest(element) {
    // The log scrolls on its own; the newest turn's question comes to its top.
    log.scrollTop += element.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  }

  function renderAll() {
    replace(log, conversation.turns.map((turn) => renderTurn(turn, turnOptions())));
    renderSuggestions();
    syncControls();
    log.scrollTop = log.scrollHeight;
  }

  // --- asking ---------------------------------------------------------------------------------------

  async function ask(text) {
    if (!active || busy()) return;
    const checked = checkQuestion(text);
    if (checked.error) {
      showText(error, checked.error);
      input.focus();
      return;
    }
    const { question } = checked;
    const mine = new AbortController();
    controller = mine;
    showText(error, '');
    input.value = '';
    pending = renderTurn({ question, reply: null });
    log.append(pending);
    syncControls();
    input.focus();
    showLatest(pending);
    try {
      let raw;
      try {
        raw = await api.post('/chatbot', requestBody(question, conversation.turns), { signal: mine.signal });
      } catch (failure) {
        if (!isHistoryRefusal(failure)) throw failure;
        conversation = withoutContext(conversation); // ask once more, without the context it refused
        save();
        raw = await api.post('/chatbot', requestBody(question, conversation.turns), { signal: mine.signal });
      }
      if (!active || controller !== mine) return;
      const reply = normalizeReply(raw);
      if (!reply) throw new Error(UNREADABLE_MESSAGE);
      conversation = addTurn(conversation, question, reply);
      save();
      pending.querySelector('[data-chat-pending]')?.remove();
      pending.append(renderAnswer(reply, turnOptions()));
      // Turns past the kept number leave the log as they leave the conversation.
      while (log.children.length > conversation.turns.length) log.firstElementChild.remove();
      if (!reply.understood && reply.suggestions.length) renderSuggestions();
      showLatest(pending);
    } catch (failure) {
      if (!active || controller !== mine || isAbort(failure)) return;
      pending?.remove();
      if (!input.value) input.value = question;
      showText(error, failure.status === 404 ? NOT_AVAILABLE_MESSAGE : failure.message || UNREADABLE_MESSAGE);
    } finally {
      if (controller === mine) {
        controller = null;
        pending = null;
        if (active) syncControls();
      }
    }
  }

  function cancelQuestion() {
    controller?.abort();
    controller = null;
    pending?.remove();
    pending = null;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ask(input.value);
  });

  clearButton.addEventListener('click', () => {
    if (!active) return;
    cancelQuestion();
    conversation = emptyConversation();
    forget();
    showText(error, '');
    renderAll();
    input.focus();
  });

  return {
    /** Show the conversation kept in this tab (a reload keeps it). */
    start() {
      active = true;
      conversation = restore();
      showText(error, '');
      renderAll();
    },

    /** Signed out or the session ended: stop asking and forget the conversation. */
    stop() {
      active = false;
      cancelQuestion();
      conversation = emptyConversation();
      forget();
      replace(log);
      input.value = '';
      showText(error, '');
      renderSuggestions();
      syncControls();
    },
  };
}
