// Reading the claims of a Cognito token and deciding when to refresh it. Pure: no DOM.

export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

function base64UrlDecode(segment) {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT as an object, or null when the token is not a readable JWT. */
export function decodeJwtPayload(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1]));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

/** When a token expires (ms since the epoch) and when it was issued, from its `exp` and `iat` claims. */
export function tokenTimes(token) {
  const payload = decodeJwtPayload(token);
  const exp = payload && Number(payload.exp);
  const iat = payload && Number(payload.iat);
  return {
    expiresAt: Number.isFinite(exp) && exp > 0 ? exp * 1000 : null,
    issuedAt: Number.isFinite(iat) && iat > 0 ? iat * 1000 : null,
  };
}

/**
 * When to refresh a token: `margin` before it expires, but never earlier than half its lifetime, so a
 * short-lived token is not refreshed in a loop.
 */
export function refreshAt(expiresAt, issuedAt, margin = REFRESH_MARGIN_MS) {
  if (!Number.isFinite(expiresAt)) return null;
  const lifetime = Number.isFinite(issuedAt) && issuedAt < expiresAt ? expiresAt - issuedAt : Infinity;
  return expiresAt - Math.min(margin, lifetime / 2);
}

/** Milliseconds from `now` until the refresh is due (0 when it is already due). */
export function refreshDelay(expiresAt, issuedAt, now, margin = REFRESH_MARGIN_MS) {
  const due = refreshAt(expiresAt, issuedAt, margin);
  return due === null ? 0 : Math.max(0, due - now);
}

/** True when the token should be refreshed before it is used. */
export function needsRefresh(expiresAt, issuedAt, now, margin = REFRESH_MARGIN_MS) {
  return refreshDelay(expiresAt, issuedAt, now, margin) === 0;
}
