// One lead in a modal dialog: every field, and where the lead came from.

import { byId, h, replace, showText } from './dom.js';
import { isAbort } from './errors.js';
import { formatDateTime } from './format.js';
import { leadLabel, sourceLine, sourcesOf } from './leads-model.js';

const FIELDS = [
  ['Name', 'name'],
  ['First name', 'firstName'],
  ['Last name', 'lastName'],
  ['Email', 'email'],
  ['Phone', 'phone'],
  ['Company', 'company'],
  ['Title', 'title'],
  ['Industry', 'industry'],
  ['Source', 'source'],
  ['Country', 'country'],
  ['Notes', 'notes', true],
  ['Worksheet', '_worksheet'],
  ['Source file', 'sourceFile'],
  ['Source row', 'sourceRow'],
  ['Added', 'createdAt'],
  ['Last updated', 'updatedAt'],
  ['Lead ID', 'leadId'],
];

function fieldValue(lead, key) {
  const value = lead?.[key];
  if (value === undefined || value === null || value === '') return '';
  if (key === 'createdAt' || key === 'updatedAt') return formatDateTime(value) || String(value);
  return String(value);
}

export function createLeadDetail({ api }) {
  const dialog = byId('lead-dialog');
  const title = byId('lead-dialog-title');
  const fields = byId('lead-dialog-fields');
  const sources = byId('lead-sources');
  const error = byId('lead-dialog-error');
  const closeButton = byId('lead-dialog-close');

  let opener = null;
  let openerId = '';
  let controller = null;

  function render(lead) {
    title.textContent = leadLabel(lead) || 'Lead';
    replace(
      fields,
      FIELDS.map(([label, key, wide]) => {
        const value = fieldValue(lead, key);
        return h(
          'div',
          { class: wide ? 'min-w-0 sm:col-span-2' : 'min-w-0' },
          h('dt', { class: 'text-xs font-medium text-slate-500' }, label),
          h(
            'dd',
            { class: `mt-0.5 break-words ${wide ? 'whitespace-pre-wrap' : ''} ${value ? 'text-slate-900' : 'text-slate-400'}` },
            value || '—',
          ),
        );
      }),
    );
    const list = sourcesOf(lead);
    replace(
      sources,
      list.length
        ? list.map((source) =>
            h(
              'li',
              { class: 'rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200 ring-inset' },
              h('span', { class: 'block break-words text-slate-900' }, sourceLine(source)),
              source?.uploadId
                ? h('span', { class: 'block font-mono text-xs break-all text-slate-500' }, `Upload ${source.uploadId}`)
                : null,
            ),
          )
        : [h('li', { class: 'text-slate-500' }, 'No source is recorded for this lead.')],
    );
  }

  async function refresh(leadId) {
    controller?.abort();
    controller = new AbortController();
    fields.setAttribute('aria-busy', 'true'); // the row's data shows meanwhile; no flicker of a loading text
    try {
      const lead = await api.get(`/leads/${encodeURIComponent(leadId)}`, { signal: controller.signal });
      if (!dialog.open) return;
      fields.removeAttribute('aria-busy');
      if (lead && typeof lead === 'object') render(lead);
    } catch (failure) {
      if (isAbort(failure) || !dialog.open) return;
      fields.removeAttribute('aria-busy');
      showText(error, failure.message);
    }
  }

  closeButton.addEventListener('click', () => dialog.close());
  // A click on the backdrop (the dialog box itself, outside its content) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    controller?.abort();
    controller = null;
    // Emptied when closed: nothing of a lead lingers in the page, not even as the dialog's name.
    title.textContent = '';
    replace(fields);
    replace(sources);
    fields.removeAttribute('aria-busy');
    showText(error, '');
    const target =
      opener && opener.isConnected
        ? opener
        : openerId
          ? document.querySelector(`button[data-lead-id="${CSS.escape(openerId)}"]`)
          : null;
    opener = null;
    if (target) target.focus();
  });

  return {
    open(lead, button) {
      if (!lead || !lead.leadId) return;
      opener = button || document.activeElement;
      openerId = lead.leadId;
      showText(error, '');
      render(lead);
      if (!dialog.open) dialog.showModal();
      closeButton.focus();
      refresh(lead.leadId);
    },
    close() {
      if (dialog.open) dialog.close();
    },
  };
}
