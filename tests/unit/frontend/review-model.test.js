import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DONT_IMPORT,
  LEAD_FIELDS,
  choicesOf,
  columnLabel,
  columnNote,
  confidenceLevel,
  confidencePercent,
  fieldFromValue,
  fieldLabel,
  fieldOptions,
  isChanged,
  mappingRequest,
  reasonText,
  reviewSummary,
  reviewView,
  setField,
  setInclude,
  sheetFacts,
  sheetNotes,
  sheetTitle,
  valueOfField,
  withChoices,
} from '../../../frontend/js/review-model.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** An answer of GET /uploads/{id}/mapping as the API gives it (docs/api.md). */
function mappingDoc() {
  return {
    uploadId: 'u1',
    status: 'needs_review',
    fields: [...LEAD_FIELDS],
    sheets: [
      {
        worksheet: 'Leads',
        headerRow: 1,
        include: true,
        rows: 412,
        columns: [
          { index: 0, header: 'Name', field: 'name', confidence: 0.95, reason: 'header', samples: ['Ann Smith', 'Bob Jones'] },
          { index: 1, header: 'EmailID', field: 'email', confidence: 0.95, reason: 'content', samples: ['ann@x.example'] },
          { index: 2, header: 'Internal code', field: 'notes', confidence: 0.3, reason: 'content', samples: ['X-1', HOSTILE] },
          { index: 3, header: '', field: null, confidence: 0.55, reason: 'llm', samples: [] },
        ],
      },
      {
        worksheet: 'Archive',
        headerRow: null,
        include: true,
        rows: 1,
        columns: [{ index: 0, header: '', field: 'phone', confidence: 1, reason: 'saved', samples: ['+1 415 555 0100'] }],
      },
    ],
    warnings: ['Some rows of Archive mix encodings.'],
  };
}

describe('fields in words', () => {
  it('names every lead field, and "Don\'t import" for null', () => {
    assert.deepEqual(
      LEAD_FIELDS.map(fieldLabel),
      ['Full name', 'First name', 'Last name', 'Email', 'Phone', 'Company', 'Job title', 'Industry', 'Lead source', 'Country', 'Notes'],
    );
    assert.equal(fieldLabel(null), "Don't import");
    assert.equal(fieldLabel(DONT_IMPORT), "Don't import");
    assert.equal(fieldLabel('linkedinUrl'), 'Linkedin url'); // a field the server added later
  });

  it('offers every field in the API\'s order, then "Don\'t import"', () => {
    const options = fieldOptions(['email', 'phone', 'email', '', 7]);
    assert.deepEqual(options, [
      { value: 'email', label: 'Email' },
      { value: 'phone', label: 'Phone' },
      { value: '', label: "Don't import" },
    ]);
    assert.equal(fieldOptions([]).length, LEAD_FIELDS.length + 1);
    assert.equal(fieldOptions().at(-1).label, "Don't import");
  });

  it('turns a picker value into a field and back (null: not imported)', () => {
    assert.equal(fieldFromValue(''), null);
    assert.equal(fieldFromValue('email'), 'email');
    assert.equal(valueOfField(null), '');
    assert.equal(valueOfField('company'), 'company');
  });
});

describe('confidence and reason', () => {
  it('says why a column got its field', () => {
    assert.deepEqual(
      ['header', 'content', 'saved', 'llm', 'guess', undefined].map(reasonText),
      ['from the header', 'from the values', 'saved mapping', 'suggested by AI', '', ''],
    );
  });

  it('grades the confidence high, medium or low, with a percentage', () => {
    assert.deepEqual([0.95, 0.8, 0.79, 0.5, 0.49, 0, 1].map(confidenceLevel), ['high', 'high', 'medium', 'medium', 'low', 'low', 'high']);
    assert.deepEqual([0.95, 0.3, 1, 0.555, 7, -1].map(confidencePercent), ['95%', '30%', '100%', '56%', '100%', '0%']);
    assert.equal(confidenceLevel(undefined), '');
    assert.equal(confidencePercent('n/a'), '');
  });

  it('names a column by its header, or by its position when it has none', () => {
    assert.equal(columnLabel({ index: 0, header: '  Email  ' }), 'Email');
    assert.equal(columnLabel({ index: 2, header: '' }), 'Column 3');
    assert.equal(columnLabel({ index: 0, header: '   ' }), 'Column 1');
    assert.equal(columnLabel({ index: 4 }), 'Column 5');
  });

  it('names a sheet by its worksheet, or by the file for a CSV file', () => {
    assert.equal(sheetTitle('Leads', 'a.xlsx'), 'Leads');
    assert.equal(sheetTitle(null, 'partners.csv'), 'partners.csv');
    assert.equal(sheetTitle(null, ''), 'This file');
  });
});

describe('reviewView', () => {
  it('turns the proposal into sheets and column rows', () => {
    const view = reviewView(mappingDoc(), { fileName: 'expo.xlsx' });
    assert.equal(view.uploadId, 'u1');
    assert.equal(view.status, 'needs_review');
    assert.deepEqual(view.warnings, ['Some rows of Archive mix encodings.']);
    assert.deepEqual(
      view.sheets.map((sheet) => [sheet.key, sheet.title, sheet.rows, sheet.headerRow, sheet.include]),
      [
        ['Leads', 'Leads', 412, 1, true],
        ['Archive', 'Archive', 1, null, true],
      ],
    );
    const [name, email, internal, blank] = view.sheets[0].columns;
    assert.deepEqual(email, {
      index: 1,
      label: 'EmailID',
      hasHeader: true,
      samples: ['ann@x.example'],
      proposedField: 'email',
      field: 'email',
      confidence: 0.95,
      level: 'high',
      percent: '95%',
      reason: 'content',
      reasonText: 'from the values',
    });
    assert.equal(name.reasonText, 'from the header');
    assert.deepEqual(internal.samples, ['X-1', HOSTILE]); // text as it is; the page shows it as text
    assert.equal(internal.level, 'low');
    assert.equal(blank.label, 'Column 4');
    assert.equal(blank.hasHeader, false);
    assert.equal(blank.field, null);
    assert.equal(blank.reasonText, 'suggested by AI');
    assert.equal(view.sheets[1].columns[0].reasonText, 'saved mapping');
    assert.equal(view.options.at(-1).label, "Don't import");
  });

  it('names a CSV file\'s sheet after the file and keeps its null worksheet for the answer', () => {
    const doc = { uploadId: 'u2', status: 'needs_review', fields: LEAD_FIELDS, warnings: [], sheets: [{ ...mappingDoc().sheets[0], worksheet: null }] };
    const view = reviewView(doc, { fileName: 'partners.csv' });
    assert.equal(view.sheets[0].title, 'partners.csv');
    assert.equal(view.sheets[0].key, '');
    assert.equal(view.sheets[0].isCsv, true);
    assert.equal(mappingRequest(view).sheets[0].worksheet, null);
  });

  it('copes with an answer missing parts, and offers a proposed field the list lacks', () => {
    const view = reviewView({ sheets: [{ worksheet: 'S', rows: -3, columns: [{ index: 'x' }, null, { index: 0, field: 'linkedinUrl', samples: ['a', '', null, 'b', 'c', 'd', 'e', 'f'] }] }] });
    assert.deepEqual(view.fields, LEAD_FIELDS);
    assert.deepEqual(view.warnings, []);
    assert.equal(view.sheets[0].rows, 0);
    assert.equal(view.sheets[0].columns.length, 1);
    assert.deepEqual(view.sheets[0].columns[0].samples, ['a', 'b', 'c', 'd', 'e']);
    assert.ok(view.options.some((option) => option.value === 'linkedinUrl'));
    assert.deepEqual(reviewView(null).sheets, []);
  });
});

describe('choices and the PUT body', () => {
  it('sends every sheet and every column as the user leaves them', () => {
    let view = reviewView(mappingDoc(), { fileName: 'expo.xlsx' });
    view = setField(view, 'Leads', 2, DONT_IMPORT);
    view = setField(view, 'Leads', 3, 'company');
    view = setInclude(view, 'Archive', false);
    assert.deepEqual(mappingRequest(view), {
      sheets: [
        {
          worksheet: 'Leads',
          include: true,
          columns: [
            { index: 0, field: 'name' },
            { index: 1, field: 'email' },
            { index: 2, field: null },
            { index: 3, field: 'company' },
          ],
        },
        { worksheet: 'Archive', include: false, columns: [{ index: 0, field: 'phone' }] },
      ],
    });
  });

  it('sends the proposal unchanged when nothing was changed', () => {
    const view = reviewView(mappingDoc());
    const body = mappingRequest(view);
    assert.deepEqual(
      body.sheets[0].columns.map((column) => column.field),
      ['name', 'email', 'notes', null],
    );
    assert.deepEqual(body.sheets.map((sheet) => sheet.include), [true, true]);
  });

  it('never changes a view in place', () => {
    const view = reviewView(mappingDoc());
    const before = JSON.stringify(view);
    setField(view, 'Leads', 1, 'phone');
    setInclude(view, 'Leads', false);
    assert.equal(JSON.stringify(view), before);
  });

  it('keeps the choices while the panel is closed and puts them back on a fresh proposal', () => {
    let view = reviewView(mappingDoc());
    view = setInclude(setField(view, 'Leads', 2, null), 'Archive', false);
    const kept = choicesOf(view);
    assert.deepEqual(kept.Archive, { include: false, columns: { 0: 'phone' } });
    const again = withChoices(reviewView(mappingDoc()), JSON.parse(JSON.stringify(kept)));
    assert.deepEqual(mappingRequest(again), mappingRequest(view));
    // sheets and columns that are gone are ignored
    const odd = withChoices(reviewView(mappingDoc()), { Gone: { include: false }, Leads: { columns: { 9: 'email' } } });
    assert.deepEqual(mappingRequest(odd), mappingRequest(reviewView(mappingDoc())));
    assert.equal(withChoices(view, null), view);
  });
});

describe('what the panel says', () => {
  it('shows how sure the proposal is, or that the user changed it', () => {
    const view = reviewView(mappingDoc());
    const email = view.sheets[0].columns[1];
    assert.deepEqual(columnNote(email), { tone: 'high', badge: 'High 95%', text: 'from the values' });
    assert.deepEqual(columnNote(view.sheets[0].columns[2]), { tone: 'low', badge: 'Low 30%', text: 'from the values' });
    const changed = setField(view, 'Leads', 2, null).sheets[0].columns[2];
    assert.equal(isChanged(changed), true);
    assert.deepEqual(columnNote(changed), { tone: 'changed', badge: 'Your choice', text: 'proposed: Notes' });
    const back = setField(setField(view, 'Leads', 2, null), 'Leads', 2, 'notes').sheets[0].columns[2];
    assert.equal(isChanged(back), false);
  });

  it('says a sheet\'s size and header row', () => {
    const view = reviewView(mappingDoc());
    assert.equal(sheetFacts(view.sheets[0]), '412 rows · headers in row 1');
    assert.equal(sheetFacts(view.sheets[1]), '1 row · no header row');
  });

  it('warns when every row would be rejected, or a field is filled by several columns', () => {
    let view = reviewView(mappingDoc());
    assert.deepEqual(sheetNotes(view.sheets[0]), []);
    view = setField(view, 'Leads', 1, null);
    assert.deepEqual(sheetNotes(view.sheets[0]), ['No column is imported as Email or Phone: every row of this sheet would be rejected.']);
    view = setField(setField(view, 'Leads', 1, 'email'), 'Leads', 3, 'email');
    assert.deepEqual(sheetNotes(view.sheets[0]), [
      '2 columns are imported as Email: each row takes the first one with a value (a valid address), and keeps the others in its notes.',
    ]);
    assert.deepEqual(sheetNotes(setInclude(view, 'Leads', false).sheets[0]), []); // left out: nothing to warn about
    view = setField(setField(view, 'Leads', 3, 'notes'), 'Leads', 0, 'notes');
    assert.deepEqual(sheetNotes(view.sheets[0]), []); // several notes columns are normal
  });

  it('sums up what Start import would do, and refuses when nothing is included', () => {
    let view = reviewView(mappingDoc());
    assert.deepEqual(reviewSummary(view), { canStart: true, included: 2, rows: 413, text: '413 rows from 2 of 2 worksheets will be imported.' });
    view = setInclude(view, 'Archive', false);
    assert.equal(reviewSummary(view).text, '412 rows from 1 of 2 worksheets will be imported.');
    view = setInclude(view, 'Leads', false);
    assert.deepEqual(reviewSummary(view), {
      canStart: false,
      included: 0,
      rows: 0,
      text: 'Include at least one worksheet: nothing would be imported.',
    });
    const csv = reviewView({ sheets: [{ worksheet: null, rows: 1, columns: [] }] }, { fileName: 'a.csv' });
    assert.equal(reviewSummary(csv).text, '1 row will be imported.');
  });
});
