import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { leadLabel, sourceLine, sourcesOf } from '../../../frontend/js/leads-model.js';

describe('leadLabel', () => {
  it('prefers the name, then first and last name, then email, then phone', () => {
    assert.equal(leadLabel({ name: 'Alice Person', email: 'a@x.com' }), 'Alice Person');
    assert.equal(leadLabel({ firstName: 'Alice', lastName: 'Person' }), 'Alice Person');
    assert.equal(leadLabel({ email: 'a@x.com', phone: '+15550100' }), 'a@x.com');
    assert.equal(leadLabel({ phone: '+15550100' }), '+15550100');
    assert.equal(leadLabel({ phone: 'N/A' }), '');
    assert.equal(leadLabel(undefined), '');
  });

  it('keeps markup-looking names as the text they are', () => {
    assert.equal(leadLabel({ name: '<img src=x onerror=alert(1)>' }), '<img src=x onerror=alert(1)>');
  });
});

describe('sources', () => {
  it('writes file · worksheet · row', () => {
    assert.equal(sourceLine({ fileName: 'expo.xlsx', worksheet: 'Trade Show', row: 1204, uploadId: 'u1' }), 'expo.xlsx · Trade Show · row 1,204');
    assert.equal(sourceLine({ fileName: 'partners.csv', row: 3 }), 'partners.csv · row 3');
    assert.equal(sourceLine({}), 'Unknown file');
  });

  it('uses sources, or the first file of an older lead', () => {
    const sources = [{ fileName: 'a.csv', row: 2 }, null, { fileName: 'b.csv', row: 9 }];
    assert.deepEqual(sourcesOf({ sources }), [sources[0], sources[2]]);
    assert.deepEqual(sourcesOf({ sourceFile: 'a.csv', uploadId: 'u', _worksheet: 'S', sourceRow: 4 }), [
      { uploadId: 'u', fileName: 'a.csv', worksheet: 'S', row: 4 },
    ]);
    assert.deepEqual(sourcesOf({}), []);
  });
});
