import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CognitoError } from '../../../frontend/js/cognito.js';
import { SESSION_ENDED_MESSAGE } from '../../../frontend/js/errors.js';
import { STORAGE_KEY, createSession, memoryStorage } from '../../../frontend/js/session.js';

function makeJwt(payload) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256' })}.${encode(payload)}.sig`;
}

const HOUR = 3600 * 1000;

function fakeTimers() {
  const timers = new Map();
  let next = 1;
  return {
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    delays: () => [...timers.values()].map((timer) => timer.ms),
    runAll() {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, timer] of due) timer.fn();
    },
  };
}

function tokensAt(nowMs, { email = 'demo@example.com', refresh = 'refresh-1', hours = 1 } = {}) {
  const iat = Math.floor(nowMs / 1000);
  return {
    IdToken: makeJwt({ email, iat, exp: iat + hours * 3600 }),
    AccessToken: `access-${iat}`,
    ...(refresh ? { RefreshToken: refresh } : {}),
    ExpiresIn: hours * 3600,
  };
}

function setup({ refresh } = {}) {
  let now = 1_800_000_000_000;
  const timers = fakeTimers();
  const storage = memoryStorage();
  const ended = [];
  const calls = { refresh: [], signOut: [] };
  const cognito = {
    refresh: async (token) => {
      calls.refresh.push(token);
      return refresh ? refresh(now) : tokensAt(now, { refresh: null });
    },
    signOut: async (token) => {
      calls.signOut.push(token);
    },
  };
  const session = createSession({ cognito, storage, timers, now: () => now, onEnd: (message) => ended.push(message) });
  return {
    session,
    storage,
    timers,
    ended,
    calls,
    advance(ms) {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

describe('session', () => {
  it('keeps the tokens in storage and schedules the refresh 5 minutes before expiry', () => {
    const t = setup();
    t.session.begin(tokensAt(t.now), 'typed@example.com');
    const stored = JSON.parse(t.storage.getItem(STORAGE_KEY));
    assert.equal(stored.refreshToken, 'refresh-1');
    assert.equal(stored.expiresAt, Math.floor(t.now / 1000) * 1000 + HOUR);
    assert.equal(t.session.email, 'demo@example.com'); // the token's claim wins over what was typed
    assert.deepEqual(t.timers.delays(), [HOUR - 5 * 60 * 1000]);
  });

  it('survives a reload (a new session object on the same storage)', () => {
    const t = setup();
    t.session.begin(tokensAt(t.now));
    const again = createSession({ cognito: {}, storage: t.storage, timers: fakeTimers(), now: () => t.now });
    assert.equal(again.restore(), true);
    assert.equal(again.email, 'demo@example.com');
  });

  it('does not restore broken storage', () => {
    const t = setup();
    t.storage.setItem(STORAGE_KEY, '{"idToken": 5}');
    assert.equal(t.session.restore(), false);
    assert.equal(t.storage.getItem(STORAGE_KEY), null);
    t.storage.setItem(STORAGE_KEY, 'not json');
    assert.equal(t.session.restore(), false);
  });

  it('hands out the current ID token while it is fresh', async () => {
    const t = setup();
    const tokens = tokensAt(t.now);
    t.session.begin(tokens);
    assert.equal(await t.session.idToken(), tokens.IdToken);
    assert.deepEqual(t.calls.refresh, []);
  });

  it('refreshes before an API call when the token is about to expire, and keeps the refresh token', async () => {
    const t = setup();
    const first = tokensAt(t.now);
    t.session.begin(first);
    t.advance(HOUR - 60 * 1000); // one minute left
    const token = await t.session.idToken();
    assert.notEqual(token, first.IdToken);
    assert.deepEqual(t.calls.refresh, ['refresh-1']);
    const stored = JSON.parse(t.storage.getItem(STORAGE_KEY));
    assert.equal(stored.refreshToken, 'refresh-1');
    assert.equal(stored.idToken, token);
  });

  it('refreshes once for many calls at the same time', async () => {
    const t = setup();
    t.session.begin(tokensAt(t.now));
    t.advance(HOUR);
    const tokens = await Promise.all([t.session.idToken(), t.session.idToken(), t.session.idToken()]);
    assert.equal(new Set(tokens).size, 1);
    assert.equal(t.calls.refresh.length, 1);
  });

  it('refreshes on its timer', async () => {
    const t = setup();
    t.session.begin(tokensAt(t.now));
    t.advance(HOUR - 5 * 60 * 1000);
    t.timers.runAll();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(t.calls.refresh.length, 1);
    assert.deepEqual(t.timers.delays(), [HOUR - 5 * 60 * 1000]); // the next one is scheduled
  });

  it('ends the session with a message when Cognito refuses the refresh', async () => {
    const t = setup({
      refresh: () => {
        throw new CognitoError('NotAuthorizedException', 'Refresh Token has expired', 'refresh');
      },
    });
    t.session.begin(tokensAt(t.now));
    t.advance(HOUR);
    await assert.rejects(t.session.idToken(), { status: 401, message: SESSION_ENDED_MESSAGE });
    assert.deepEqual(t.ended, [SESSION_ENDED_MESSAGE]);
    assert.equal(t.session.signedIn, false);
    assert.equal(t.storage.getItem(STORAGE_KEY), null);
    assert.deepEqual(t.timers.delays(), []);
  });

  it('keeps the session and tries again later when Cognito cannot be reached', async () => {
    const t = setup({
      refresh: () => {
        throw new CognitoError('NetworkError', '', 'refresh');
      },
    });
    const tokens = tokensAt(t.now);
    t.session.begin(tokens);
    t.advance(HOUR - 60 * 1000); // still valid for a minute: use it
    assert.equal(await t.session.idToken(), tokens.IdToken);
    assert.deepEqual(t.timers.delays(), [30 * 1000]);
    t.advance(2 * 60 * 1000); // expired now: the call cannot be made
    await assert.rejects(t.session.idToken(), { status: 0 });
    assert.deepEqual(t.ended, []);
    assert.equal(t.session.signedIn, true);
  });

  it('signs out: forgets the tokens at once and revokes them with GlobalSignOut', async () => {
    const t = setup();
    t.session.begin(tokensAt(t.now));
    const done = t.session.signOut();
    assert.equal(t.session.signedIn, false);
    assert.equal(t.storage.getItem(STORAGE_KEY), null);
    await done;
    assert.equal(t.calls.signOut.length, 1);
    assert.deepEqual(t.ended, []); // on purpose: no "session has ended" message
    await assert.rejects(t.session.idToken(), { status: 401 });
  });

  it('signs out even when GlobalSignOut fails', async () => {
    const t = setup();
    t.session.begin(tokensAt(t.now));
    const cognitoFailing = { signOut: async () => Promise.reject(new Error('offline')) };
    const session = createSession({ cognito: cognitoFailing, storage: t.storage, timers: t.timers, now: () => t.now });
    session.restore();
    await session.signOut();
    assert.equal(session.signedIn, false);
  });
});
