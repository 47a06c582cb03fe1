import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  REFRESH_MARGIN_MS,
  decodeJwtPayload,
  needsRefresh,
  refreshAt,
  refreshDelay,
  tokenTimes,
} from '../../../frontend/js/jwt.js';

/** A token shaped like Cognito's (the signature is not checked by the browser). */
function makeJwt(payload) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', kid: 'k' })}.${encode(payload)}.c2lnbmF0dXJl`;
}

describe('decodeJwtPayload', () => {
  it('reads the claims of a token', () => {
    const token = makeJwt({ sub: 'u1', email: 'demo@example.com', exp: 1800000000, 'cognito:groups': ['admins'] });
    assert.deepEqual(decodeJwtPayload(token), {
      sub: 'u1',
      email: 'demo@example.com',
      exp: 1800000000,
      'cognito:groups': ['admins'],
    });
  });

  it('decodes base64url (- and _) and UTF-8', () => {
    // "ÿþ" and "?>" produce "_" and "-" style characters in base64url.
    const payload = { name: 'Jürgen ÿþ?>~', exp: 1 };
    const token = makeJwt(payload);
    assert.match(token.split('.')[1], /[-_]/);
    assert.deepEqual(decodeJwtPayload(token), payload);
  });

  it('gives null for anything that is not a readable token', () => {
    assert.equal(decodeJwtPayload(''), null);
    assert.equal(decodeJwtPayload('abc'), null);
    assert.equal(decodeJwtPayload('a.b'), null);
    assert.equal(decodeJwtPayload('a.!!!.c'), null);
    assert.equal(decodeJwtPayload(`x.${Buffer.from('[1,2]').toString('base64url')}.y`), null);
    assert.equal(decodeJwtPayload(undefined), null);
  });
});

describe('tokenTimes', () => {
  it('turns exp and iat (seconds) into milliseconds', () => {
    assert.deepEqual(tokenTimes(makeJwt({ exp: 1800003600, iat: 1800000000 })), {
      expiresAt: 1800003600000,
      issuedAt: 1800000000000,
    });
  });

  it('gives null when the claims are missing or not numbers', () => {
    assert.deepEqual(tokenTimes(makeJwt({ exp: 'soon' })), { expiresAt: null, issuedAt: null });
    assert.deepEqual(tokenTimes('garbage'), { expiresAt: null, issuedAt: null });
  });
});

describe('when to refresh', () => {
  const issuedAt = 1_000_000;
  const expiresAt = issuedAt + 60 * 60 * 1000; // one hour

  it('refreshes 5 minutes before the token expires', () => {
    assert.equal(REFRESH_MARGIN_MS, 300_000);
    assert.equal(refreshAt(expiresAt, issuedAt), expiresAt - 300_000);
    assert.equal(refreshDelay(expiresAt, issuedAt, issuedAt), 55 * 60 * 1000);
    assert.equal(refreshDelay(expiresAt, issuedAt, expiresAt - 300_001), 1);
  });

  it('refreshes at once when that moment has passed, even after expiry', () => {
    assert.equal(refreshDelay(expiresAt, issuedAt, expiresAt - 300_000), 0);
    assert.equal(refreshDelay(expiresAt, issuedAt, expiresAt + 10_000), 0);
  });

  it('refreshes a short-lived token at half its life, not in a loop', () => {
    const shortExpiry = issuedAt + 4 * 60 * 1000; // 4 minutes
    assert.equal(refreshAt(shortExpiry, issuedAt), issuedAt + 2 * 60 * 1000);
    assert.equal(needsRefresh(shortExpiry, issuedAt, issuedAt + 1000), false);
  });

  it('says whether a token must be refreshed before an API call', () => {
    assert.equal(needsRefresh(expiresAt, issuedAt, issuedAt + 1000), false);
    assert.equal(needsRefresh(expiresAt, issuedAt, expiresAt - 60_000), true);
  });

  it('works without an issue time', () => {
    assert.equal(refreshAt(expiresAt, null), expiresAt - 300_000);
    assert.equal(refreshAt(null, issuedAt), null);
  });
});
