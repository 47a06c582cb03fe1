// The Easy CRM REST API: JSON in and out, the ID token in `Authorization`, errors as ApiError.
// No DOM; `fetch` and the token source are injected.

import { ApiError, apiErrorFromResponse, isAbort, networkError } from './errors.js';

/** apiUrl + "/leads" whether or not apiUrl ends with a slash. */
export function joinUrl(base, path, params) {
  const root = String(base || '').replace(/\/+$/, '');
  const tail = String(path || '').replace(/^\/*/, '/');
  const query = params ? String(params) : '';
  return `${root}${tail}${query ? `?${query}` : ''}`;
}

export function createApi({
  baseUrl,
  getToken,
  onUnauthorized = () => {},
  fetchImpl = (...args) => globalThis.fetch(...args),
}) {
  async function request(method, path, { params, body, signal } = {}) {
    const token = await getToken();
    if (signal && signal.aborted) throw new DOMException('Aborted', 'AbortError');
    const headers = { Authorization: token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    let text;
    try {
      response = await fetchImpl(joinUrl(baseUrl, path, params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
      });
      text = await response.text();
    } catch (error) {
      if (isAbort(error)) throw error;
      throw networkError();
    }
    if (!response.ok) {
      const error = apiErrorFromResponse(response.status, text);
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'BAD_RESPONSE', 'The server sent an answer the app cannot read.');
    }
  }

  return {
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    put: (path, body, options) => request('PUT', path, { ...options, body }),
  };
}
