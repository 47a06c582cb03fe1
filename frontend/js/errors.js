// Errors the app shows in words. Pure: no DOM.

export const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again.';
export const SESSION_ENDED_MESSAGE = 'Your session has ended. Please sign in again.';
export const WRONG_LOGIN_MESSAGE = 'Incorrect email or password.';

/** An API answer other than 2xx (status 0: the server could not be reached). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function networkError() {
  return new ApiError(0, 'NETWORK', NETWORK_MESSAGE);
}

export function isAbort(error) {
  return Boolean(error) && error.name === 'AbortError';
}

const FALLBACK_MESSAGES = {
  400: 'The server could not accept this request.',
  401: SESSION_ENDED_MESSAGE,
  403: 'You are not allowed to do this.',
  404: 'The server could not find what was asked for.',
  409: 'This conflicts with the current state. Reload and try again.',
  413: 'This is too large for the server.',
  429: 'Too many requests right now. Wait a moment and try again.',
};

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The error an API answer carries: `{"error": {"code", "message"}}`, or words for anything else. */
export function apiErrorFromResponse(status, bodyText) {
  const body = typeof bodyText === 'string' ? parseJson(bodyText) : bodyText;
  const detail = body && typeof body === 'object' ? body.error || body : null;
  const message =
    (detail && typeof detail.message === 'string' && detail.message.trim()) ||
    (detail && typeof detail.Message === 'string' && detail.Message.trim()) ||
    FALLBACK_MESSAGES[status] ||
    `The server ran into a problem (HTTP ${status}). Please try again.`;
  const code = (detail && typeof detail.code === 'string' && detail.code) || `HTTP_${status}`;
  return new ApiError(status, code, message);
}

/** A Cognito error (`{__type, message}`) in words for the user. `stage`: signIn, newPassword, refresh. */
export function cognitoMessage(type, message, stage = 'signIn') {
  const name = String(type || '').split('#').pop();
  const text = String(message || '');
  switch (name) {
    case 'NetworkError':
      return NETWORK_MESSAGE;
    case 'NotAuthorizedException':
      if (/attempts exceeded/i.test(text)) return 'Too many failed attempts. Wait a few minutes and try again.';
      if (stage === 'newPassword') return 'This sign-in has expired. Please sign in again.';
      if (stage === 'refresh') return SESSION_ENDED_MESSAGE;
      return WRONG_LOGIN_MESSAGE;
    case 'UserNotFoundException':
      return stage === 'refresh' ? SESSION_ENDED_MESSAGE : WRONG_LOGIN_MESSAGE;
    case 'UserNotConfirmedException':
      return 'This account is not confirmed yet. Ask your administrator to confirm it.';
    case 'PasswordResetRequiredException':
      return 'Your password has to be reset. Ask your administrator for a new temporary password.';
    case 'InvalidPasswordException':
      return text ? `This password cannot be used: ${text}` : 'This password cannot be used.';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts. Wait a moment and try again.';
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
      return 'This sign-in has expired. Please sign in again.';
    default:
      return text ? `Sign-in failed: ${text}` : 'Sign-in failed. Please try again.';
  }
}

function decodeXmlText(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** What went wrong when S3 refused a presigned POST: its XML `<Message>`, or the HTTP status. */
export function s3ErrorMessage(status, bodyText) {
  if (status === 0) return NETWORK_MESSAGE;
  const found = /<Message>([\s\S]*?)<\/Message>/.exec(String(bodyText || ''));
  const detail = found ? decodeXmlText(found[1]).trim() : '';
  return detail
    ? `The file could not be stored: ${detail}`
    : `The file could not be stored (HTTP ${status}). Please try again.`;
}
