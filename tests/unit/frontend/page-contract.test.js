// What index.html and the modules promise the end-to-end tests and the content security policy.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';

import { ACCEPT } from '../../../frontend/js/uploads-model.js';

const FRONTEND = new URL('../../../frontend/', import.meta.url);
const html = readFileSync(new URL('index.html', FRONTEND), 'utf8');
const scripts = readdirSync(new URL('js/', FRONTEND))
  .filter((name) => name.endsWith('.js'))
  .map((name) => ({ name, source: readFileSync(new URL(`js/${name}`, FRONTEND), 'utf8') }));

const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]));
const labels = new Map([...html.matchAll(/<label for="([^"]+)"[^>]*>([^<]*)<\/label>/g)].map((m) => [m[2].trim(), m[1]]));

describe('index.html', () => {
  it('labels every control the tests use, with exactly these words', () => {
    for (const [text, id] of [
      ['Email', 'signin-email'],
      ['Password', 'signin-password'],
      ['Upload leads', 'file-input'],
      ['Review columns before importing', 'review-columns'],
      ['Search leads', 'lead-search'],
      ['Company', 'filter-company'],
      ['Industry', 'filter-industry'],
      ['Source', 'filter-source'],
      ['Upload', 'filter-upload'],
      ['Rows per page', 'page-size'],
    ]) {
      assert.equal(labels.get(text), id, text);
    }
    for (const id of labels.values()) assert.ok(ids.has(id), `label for missing #${id}`);
  });

  it('has the uploads list, the leads caption and the sortable headers', () => {
    assert.match(html, /<ul id="upload-list" aria-label="Uploads"/);
    assert.match(html, /<caption class="sr-only">Leads<\/caption>/);
    for (const [key, name] of [['name', 'Name'], ['email', 'Email'], ['company', 'Company'], ['createdAt', 'Date']]) {
      const header = new RegExp(`<th [^>]*aria-sort="(none|descending)" data-sort="${key}"><button type="button" class="sort-button">${name}<span`);
      assert.match(html, header, name);
    }
    assert.match(html, /<input id="file-input" type="file" multiple accept="([^"]+)"/);
    assert.equal(html.match(/<input id="file-input" type="file" multiple accept="([^"]+)"/)[1], ACCEPT);
  });

  it('has the review dialog with its title, its buttons and the review option off', () => {
    assert.match(html, /<dialog id="review-dialog" aria-labelledby="review-dialog-title"/);
    assert.match(html, /<h2 id="review-dialog-title"[^>]*>Review columns<\/h2>/);
    assert.match(html, /<button id="review-start" type="button"[^>]*>Start import<\/button>/);
    assert.match(html, /<button id="review-close" type="button"[^>]*>Close<\/button>/);
    assert.match(html, /<input id="review-columns" type="checkbox"(?![^>]*\schecked)[^>]*>/);
  });

  it('has the import history next to the uploads, with its list and the confirmation of an undo', () => {
    assert.match(html, /<button id="history-open" type="button"[^>]*aria-haspopup="dialog"[^>]*>Import history<\/button>/);
    assert.ok(html.indexOf('id="history-open"') < html.indexOf('id="upload-list"'), 'the button sits above the uploads');
    assert.match(html, /<dialog id="history-dialog" aria-labelledby="history-dialog-title"/);
    assert.match(html, /<h2 id="history-dialog-title"[^>]*>Import history<\/h2>/);
    assert.match(html, /<ul id="history-list" aria-label="Imports"/);
    assert.match(html, /<button id="history-refresh" type="button"[^>]*>Refresh<\/button>/);
    assert.match(html, /<button id="history-close" type="button"[^>]*>Close<\/button>/);
    assert.match(html, /<p id="history-error" role="alert"/);
    assert.match(
      html,
      /<dialog id="undo-dialog" role="alertdialog" aria-labelledby="undo-dialog-title" aria-describedby="undo-dialog-text"/,
    );
    assert.match(html, /<h2 id="undo-dialog-title"[^>]*>Undo this import\?<\/h2>/);
    assert.match(html, /<button id="undo-confirm" type="button"[^>]*>Undo import<\/button>/);
    assert.match(html, /<button id="undo-cancel" type="button"[^>]*>Cancel<\/button>/);
  });

  it('offers 10, 25, 50 and 100 rows per page, 25 first', () => {
    const select = html.slice(html.indexOf('<select id="page-size"'), html.indexOf('</select>', html.indexOf('<select id="page-size"')));
    assert.deepEqual([...select.matchAll(/<option value="(\d+)"/g)].map((m) => Number(m[1])), [10, 25, 50, 100]);
    assert.match(select, /<option value="25" selected>/);
  });

  it('keeps to the content security policy: no inline script or style, nothing from elsewhere', () => {
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style/);
    assert.doesNotMatch(html, /\sstyle="/);
    assert.doesNotMatch(html, /\son[a-z]+="/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
  });

  it('has every element the modules look up by id', () => {
    for (const { name, source } of scripts) {
      for (const [, id] of source.matchAll(/byId\('([^']+)'\)/g)) assert.ok(ids.has(id), `${name} needs #${id}`);
    }
  });
});

describe('the modules', () => {
  it('never turn text into markup', () => {
    for (const { name, source } of scripts) {
      assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, name);
    }
  });

  it('never set a style attribute (the policy would block it)', () => {
    for (const { name, source } of scripts) assert.doesNotMatch(source, /setAttribute\(\s*'style'|style:\s*'/, name);
  });
});
