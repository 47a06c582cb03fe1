// The signed-in session: tokens kept in sessionStorage (a reload stays signed in, closing the tab ends it),
// the ID token refreshed 5 minutes before it expires, and the end of the session when that fails.
// No DOM: storage, clock and timers are injected (the browser's by default).

import { ApiError, SESSION_ENDED_MESSAGE, networkError } from './errors.js';
import { decodeJwtPayload, needsRefresh, refreshDelay, tokenTimes } from './jwt.js';

export const STORAGE_KEY = 'easycrm.session';
export const RETRY_MS = 30 * 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SIGN_OUT_WAIT_MS = 3000;

/** sessionStorage when the browser allows it, else memory (the session then ends with the page). */
export function browserStorage() {
  try {
    const storage = globalThis.sessionStorage;
    const probe = `${STORAGE_KEY}.probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage();
  }
}

export function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
}

function sessionEnded() {
  return new ApiError(401, 'SESSION_ENDED', SESSION_ENDED_MESSAGE);
}

function isText(value) {
  return typeof value === 'string' && value.length > 0;
}

export function createSession({
  cognito,
  storage = memoryStorage(),
  now = () => Date.now(),
  timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) },
  onEnd = () => {},
}) {
  let data = null;
  let timer = null;
  let refreshing = null;

  function save() {
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(data));
    } catch {
      // Storage full or blocked: the session still works in this page.
    }
  }

  function forget() {
    data = null;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    try {
      storage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
  }

  function fromTokens(tokens, email, previous) {
    const times = tokenTimes(tokens.IdToken);
    const claims = decodeJwtPayload(tokens.IdToken) || {};
    const issuedAt = times.issuedAt ?? now();
    const expiresAt = times.expiresAt ?? now() + (Number(tokens.ExpiresIn) || 3600) * 1000;
    return {
      idToken: tokens.IdToken,
      accessToken: tokens.AccessToken || previous?.accessToken || '',
      refreshToken: tokens.RefreshToken || previous?.refreshToken || '',
      email: (typeof claims.email === 'string' && claims.email) || email || previous?.email || '',
      expiresAt,
      issuedAt,
    };
  }

  function schedule(ms) {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    if (!data) return;
    const delay = ms ?? refreshDelay(data.expiresAt, data.issuedAt, now());
    timer = timers.setTimeout(() => {
      timer = null;
      refresh().catch(() => {
        // A failed refresh either ended the session (onEnd tells the user) or will be tried again.
      });
    }, Math.min(MAX_TIMER_MS, delay));
  }

  function refresh() {
    if (refreshing) return refreshing;
    const current = data;
    if (!current) return Promise.reject(sessionEnded());
    refreshing = (async () => {
      try {
        if (!current.refreshToken) throw new Error('no refresh token');
        const tokens = await cognito.refresh(current.refreshToken);
        if (data !== current) throw sessionEnded(); // signed out meanwhile
        data = fromTokens(tokens, current.email, current);
        save();
        schedule();
        return data.idToken;
      } catch (error) {
        if (data !== current) throw error?.name === 'ApiError' ? error : sessionEnded();
        if (error && error.isNetwork) {
          schedule(RETRY_MS); // try again; the current token may still be good for a while
          if (now() < current.expiresAt) return current.idToken;
          throw networkError();
        }
        end(SESSION_ENDED_MESSAGE);
        throw sessionEnded();
      }
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function end(message = SESSION_ENDED_MESSAGE) {
    if (!data) return;
    forget();
    onEnd(message);
  }

  return {
    /** Pick up the session this tab already has; true when there is one. */
    restore() {
      let stored = null;
      try {
        stored = JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
      } catch {
        stored = null;
      }
      const valid =
        stored &&
        isText(stored.idToken) &&
        isText(stored.refreshToken) &&
        Number.isFinite(stored.expiresAt) &&
        Number.isFinite(stored.issuedAt);
      if (!valid) {
        forget();
        return false;
      }
      data = {
        idToken: stored.idToken,
        accessToken: isText(stored.accessToken) ? stored.accessToken : '',
        refreshToken: stored.refreshToken,
        email: isText(stored.email) ? stored.email : '',
        expiresAt: stored.expiresAt,
        issuedAt: stored.issuedAt,
      };
      schedule();
      return true;
    },

    /** Start a session with the tokens of a sign-in. */
    begin(tokens, email) {
      if (timer !== null) timers.clearTimeout(timer);
      data = fromTokens(tokens, email, null);
      save();
      schedule();
    },

    /** The ID token for an API call, refreshed first when it is about to expire. */
    async idToken() {
      if (!data) throw sessionEnded();
      if (needsRefresh(data.expiresAt, data.issuedAt, now())) return refresh();
      return data.idToken;
    },

    refresh,

    /** End the session because it cannot go on (refresh refused, API said 401); `onEnd` hears why. */
    end,

    /**
     * Sign out on purpose: the tokens are forgotten at once (a reload cannot bring them back), then
     * revoked at Cognito with GlobalSignOut; its failure does not matter, and it is not waited for long.
     */
    async signOut() {
      const current = data;
      if (!current) return;
      forget();
      if (!current.accessToken) return;
      let waited;
      const timeout = new Promise((resolve) => {
        waited = timers.setTimeout(resolve, SIGN_OUT_WAIT_MS);
      });
      await Promise.race([cognito.signOut(current.accessToken).catch(() => {}), timeout]);
      timers.clearTimeout(waited);
    },

    get signedIn() {
      return data !== null;
    },
    get email() {
      return data ? data.email : '';
    },
    get expiresAt() {
      return data ? data.expiresAt : null;
    },
  };
}
