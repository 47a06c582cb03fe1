// Reviewing how an upload's columns are read, before it is imported: the proposal of
// GET /uploads/{id}/mapping as rows to show, the user's choices, and the body of PUT /uploads/{id}/mapping.
// Pure: no DOM. A view is never changed in place; every change returns a new one.

import { formatNumber, plural } from './format.js';

/** The lead fields in the order the API lists them (used when an answer lacks its `fields`). */
export const LEAD_FIELDS = Object.freeze([
  'name',
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'title',
  'industry',
  'source',
  'country',
  'notes',
]);

/** The <select> value of "Don't import" (the API's `field: null`). */
export const DONT_IMPORT = '';
export const DONT_IMPORT_LABEL = "Don't import";

export const FIELD_LABELS = Object.freeze({
  name: 'Full name',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  phone: 'Phone',
  company: 'Company',
  title: 'Job title',
  industry: 'Industry',
  source: 'Lead source',
  country: 'Country',
  notes: 'Notes',
});

export const REASON_TEXT = Object.freeze({
  header: 'from the header',
  content: 'from the values',
  saved: 'saved mapping',
  llm: 'suggested by AI',
});

/** Confidence from this share up is "high", from MEDIUM up "medium", below "low". */
export const HIGH_CONFIDENCE = 0.8;
export const MEDIUM_CONFIDENCE = 0.5;
/** Fields a row needs one of, or it is rejected. */
const CONTACT_FIELDS = ['email', 'phone'];

/** A lead field in words; null (or "") is "Don't import"; a field this app does not know yet, de-camelCased. */
export function fieldLabel(field) {
  if (field === null || field === undefined || field === DONT_IMPORT) return DONT_IMPORT_LABEL;
  if (Object.hasOwn(FIELD_LABELS, field)) return FIELD_LABELS[field];
  const words = String(field)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : String(field);
}

/** The field a <select> value stands for: null for "Don't import". */
export function fieldFromValue(value) {
  return value === DONT_IMPORT || value === null || value === undefined ? null : String(value);
}

/** The <select> value of a field. */
export function valueOfField(field) {
  return field === null || field === undefined ? DONT_IMPORT : String(field);
}

/** The picker's options: every lead field in the API's order, then "Don't import". */
export function fieldOptions(fields = LEAD_FIELDS) {
  const names = [];
  for (const name of Array.isArray(fields) && fields.length ? fields : LEAD_FIELDS) {
    if (typeof name === 'string' && name && !names.includes(name)) names.push(name);
  }
  return [
    ...names.map((name) => ({ value: name, label: fieldLabel(name) })),
    { value: DONT_IMPORT, label: DONT_IMPORT_LABEL },
  ];
}

/** Why a column got its field, in words ("from the header"); "" for a reason this app does not know. */
export function reasonText(reason) {
  return Object.hasOwn(REASON_TEXT, reason) ? REASON_TEXT[reason] : '';
}

function share(confidence) {
  const number = Number(confidence);
  return Number.isFinite(number) ? Math.max(0, Math.min(1, number)) : null;
}

/** 'high', 'medium' or 'low'; '' when the answer has no usable confidence. */
export function confidenceLevel(confidence) {
  const value = share(confidence);
  if (value === null) return '';
  if (value >= HIGH_CONFIDENCE) return 'high';
  if (value >= MEDIUM_CONFIDENCE) return 'medium';
  return 'low';
}

/** 0.95 → "95%"; '' when there is none. */
export function confidencePercent(confidence) {
  const value = share(confidence);
  return value === null ? '' : `${Math.round(value * 100)}%`;
}

/** How the user sees a column: its header, or "Column 3" (counted from 1) when it has none. */
export function columnLabel(column) {
  const header = typeof column?.header === 'string' ? column.header.trim() : '';
  const index = Number(column?.index);
  return header || `Column ${Number.isInteger(index) && index >= 0 ? index + 1 : '?'}`;
}

/** The key a sheet is known by in a review: its worksheet name, "" for a CSV file's only sheet. */
export function sheetKey(worksheet) {
  return worksheet === null || worksheet === undefined ? '' : String(worksheet);
}

/** A sheet's heading: the worksheet's name, or the file's name for a CSV file. */
export function sheetTitle(worksheet, fileName = '') {
  const name = sheetKey(worksheet);
  return name || String(fileName || '') || 'This file';
}

function samplesOf(column) {
  return (Array.isArray(column?.samples) ? column.samples : [])
    .filter((sample) => sample !== null && sample !== undefined && String(sample) !== '')
    .slice(0, 5)
    .map(String);
}

function columnView(column) {
  const field = typeof column?.field === 'string' && column.field ? column.field : null;
  const confidence = share(column?.confidence);
  return {
    index: Number(column.index),
    label: columnLabel(column),
    hasHeader: typeof column?.header === 'string' && column.header.trim() !== '',
    samples: samplesOf(column),
    proposedField: field,
    field,
    confidence,
    level: confidenceLevel(confidence),
    percent: confidencePercent(confidence),
    reason: typeof column?.reason === 'string' ? column.reason : '',
    reasonText: reasonText(column?.reason),
  };
}

function rowCount(value) {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? Math.floor(number) : 0;
}

/**
 * The answer of GET /uploads/{id}/mapping as the review panel shows it. `fileName` names a CSV file's
 * sheet. Columns without a whole-number index cannot be chosen for and are left out.
 */
export function reviewView(doc, { fileName = '' } = {}) {
  const answer = doc && typeof doc === 'object' ? doc : {};
  const fields = Array.isArray(answer.fields) && answer.fields.length ? answer.fields.map(String) : [...LEAD_FIELDS];
  const sheets = (Array.isArray(answer.sheets) ? answer.sheets : [])
    .filter((sheet) => sheet && typeof sheet === 'object')
    .map((sheet) => {
      const worksheet = sheet.worksheet === null || sheet.worksheet === undefined ? null : String(sheet.worksheet);
      const headerRow = Number.isInteger(sheet.headerRow) && sheet.headerRow > 0 ? sheet.headerRow : null;
      const include = sheet.include !== false;
      return {
        key: sheetKey(worksheet),
        worksheet,
        title: sheetTitle(worksheet, fileName),
        isCsv: worksheet === null,
        headerRow,
        rows: rowCount(sheet.rows),
        include,
        proposedInclude: include,
        columns: (Array.isArray(sheet.columns) ? sheet.columns : [])
          .filter((column) => column && Number.isInteger(column.index) && column.index >= 0)
          .map(columnView),
      };
    });
  // A field the proposal uses that the list lacks still gets an option, so the picker can show it.
  const used = sheets.flatMap((sheet) => sheet.columns.map((column) => column.proposedField)).filter(Boolean);
  return {
    uploadId: String(answer.uploadId || ''),
    status: String(answer.status || ''),
    fileName: String(fileName || ''),
    fields,
    options: fieldOptions([...fields, ...used]),
    warnings: (Array.isArray(answer.warnings) ? answer.warnings : []).filter(Boolean).map(String),
    sheets,
  };
}

function updateSheet(view, key, change) {
  return { ...view, sheets: view.sheets.map((sheet) => (sheet.key === key ? change(sheet) : sheet)) };
}

/** The view with a sheet included or left out. */
export function setInclude(view, key, include) {
  return updateSheet(view, key, (sheet) => ({ ...sheet, include: Boolean(include) }));
}

/** The view with one column's field chosen (null: "Don't import"). */
export function setField(view, key, index, field) {
  const chosen = field === null || field === undefined || field === DONT_IMPORT ? null : String(field);
  return updateSheet(view, key, (sheet) => ({
    ...sheet,
    columns: sheet.columns.map((column) => (column.index === index ? { ...column, field: chosen } : column)),
  }));
}

/** What the user chose, to keep while the panel is closed: {sheetKey: {include, columns: {index: field}}}. */
export function choicesOf(view) {
  return Object.fromEntries(
    view.sheets.map((sheet) => [
      sheet.key,
      { include: sheet.include, columns: Object.fromEntries(sheet.columns.map((column) => [column.index, column.field])) },
    ]),
  );
}

/** A fresh view with earlier choices put back (sheets and columns that no longer exist are ignored). */
export function withChoices(view, choices) {
  if (!choices || typeof choices !== 'object') return view;
  return {
    ...view,
    sheets: view.sheets.map((sheet) => {
      const chosen = Object.hasOwn(choices, sheet.key) ? choices[sheet.key] : null;
      if (!chosen) return sheet;
      const columns = chosen.columns && typeof chosen.columns === 'object' ? chosen.columns : {};
      return {
        ...sheet,
        include: typeof chosen.include === 'boolean' ? chosen.include : sheet.include,
        columns: sheet.columns.map((column) => {
          if (!Object.hasOwn(columns, column.index)) return column;
          const field = columns[column.index];
          return { ...column, field: typeof field === 'string' && field ? field : null };
        }),
      };
    }),
  };
}

/** The body of PUT /uploads/{id}/mapping: every sheet and every column as the user leaves them. */
export function mappingRequest(view) {
  return {
    sheets: view.sheets.map((sheet) => ({
      worksheet: sheet.worksheet,
      include: sheet.include,
      columns: sheet.columns.map((column) => ({ index: column.index, field: column.field })),
    })),
  };
}

/** Whether the user changed the proposed field of a column. */
export function isChanged(column) {
  return column.field !== column.proposedField;
}

/**
 * What to say next to a column's picker: how sure the proposal is and why, or that the user changed it.
 * `tone`: high | medium | low | changed | none.
 */
export function columnNote(column) {
  if (isChanged(column)) {
    return { tone: 'changed', badge: 'Your choice', text: `proposed: ${fieldLabel(column.proposedField)}` };
  }
  const level = column.level;
  const badge = level ? `${level[0].toUpperCase()}${level.slice(1)} ${column.percent}` : '';
  return { tone: level || 'none', badge, text: column.reasonText };
}

/** A sheet's size and header row in words: "412 rows · headers in row 1". */
export function sheetFacts(sheet) {
  const header = sheet.headerRow ? `headers in row ${formatNumber(sheet.headerRow)}` : 'no header row';
  return `${plural(sheet.rows, 'row')} · ${header}`;
}

/** Warnings about an included sheet's choices: rows that would all be rejected, a field filled twice. */
export function sheetNotes(sheet) {
  if (!sheet.include) return [];
  const notes = [];
  const fields = sheet.columns.map((column) => column.field).filter(Boolean);
  if (sheet.columns.length && !fields.some((field) => CONTACT_FIELDS.includes(field))) {
    notes.push('No column is imported as Email or Phone: every row of this sheet would be rejected.');
  }
  const counts = new Map();
  for (const field of fields) if (field !== 'notes') counts.set(field, (counts.get(field) || 0) + 1);
  for (const [field, count] of counts) {
    if (count > 1) {
      notes.push(
        `${formatNumber(count)} columns are imported as ${fieldLabel(field)}: each row takes the first one with a value${
          field === 'email' ? ' (a valid address)' : ''
        }, and keeps the others in its notes.`,
      );
    }
  }
  return notes;
}

/** What "Start import" would do, in words, and whether it may be pressed. */
export function reviewSummary(view) {
  const included = view.sheets.filter((sheet) => sheet.include);
  const rows = included.reduce((total, sheet) => total + sheet.rows, 0);
  const canStart = included.length > 0;
  if (!canStart) {
    return {
      canStart,
      included: 0,
      rows: 0,
      text: view.sheets.length > 1 ? 'Include at least one worksheet: nothing would be imported.' : 'Nothing would be imported.',
    };
  }
  const sheets = view.sheets.length > 1 ? ` from ${formatNumber(included.length)} of ${plural(view.sheets.length, 'worksheet')}` : '';
  return { canStart, included: included.length, rows, text: `${plural(rows, 'row')}${sheets} will be imported.` };
}
