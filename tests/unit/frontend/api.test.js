import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createApi, joinUrl } from '../../../frontend/js/api.js';
import { CognitoError, createCognito } from '../../../frontend/js/cognito.js';
import {
  ApiError,
  NETWORK_MESSAGE,
  SESSION_ENDED_MESSAGE,
  WRONG_LOGIN_MESSAGE,
  apiErrorFromResponse,
  cognitoMessage,
  s3ErrorMessage,
} from '../../../frontend/js/errors.js';

function response(status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name) => headers[name] ?? null },
    text: async () => text,
  };
}

function recordingFetch(answer) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return typeof answer === 'function' ? answer(url, init) : answer;
  };
  return { calls, fetchImpl };
}

describe('apiErrorFromResponse', () => {
  it('takes the message and code of the API error shape', () => {
    const error = apiErrorFromResponse(413, '{"error": {"code": "FILE_TOO_LARGE", "message": "big.csv is larger than the 25 MB upload limit."}}');
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 413);
    assert.equal(error.code, 'FILE_TOO_LARGE');
    assert.equal(error.message, 'big.csv is larger than the 25 MB upload limit.');
  });

  it('falls back to words when the body says nothing usable', () => {
    assert.equal(apiErrorFromResponse(429, '').message, 'Too many requests right now. Wait a moment and try again.');
    assert.equal(apiErrorFromResponse(502, '<html>Bad gateway</html>').message, 'The server ran into a problem (HTTP 502). Please try again.');
    assert.equal(apiErrorFromResponse(401, '{}').message, SESSION_ENDED_MESSAGE);
    assert.equal(apiErrorFromResponse(403, '{"Message": "User is not authorized"}').message, 'User is not authorized');
  });
});

describe('cognitoMessage', () => {
  it('never tells a wrong password from an unknown user', () => {
    assert.equal(cognitoMessage('NotAuthorizedException', 'Incorrect username or password.'), WRONG_LOGIN_MESSAGE);
    assert.equal(cognitoMessage('UserNotFoundException', 'User does not exist.'), WRONG_LOGIN_MESSAGE);
  });

  it('explains the other refusals', () => {
    assert.match(cognitoMessage('NotAuthorizedException', 'Password attempts exceeded'), /Too many failed attempts/);
    assert.match(cognitoMessage('InvalidPasswordException', 'Password must have uppercase characters'), /uppercase/);
    assert.match(cognitoMessage('UserNotConfirmedException', ''), /not confirmed/);
    assert.equal(cognitoMessage('NetworkError', ''), NETWORK_MESSAGE);
    assert.equal(cognitoMessage('NotAuthorizedException', 'Refresh Token has expired', 'refresh'), SESSION_ENDED_MESSAGE);
    assert.match(cognitoMessage('NotAuthorizedException', 'Invalid session for the user.', 'newPassword'), /expired/);
  });
});

describe('s3ErrorMessage', () => {
  it('shows the Message of an S3 XML error', () => {
    const xml = '<?xml version="1.0"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum &amp; allowed size</Message></Error>';
    assert.equal(s3ErrorMessage(400, xml), 'The file could not be stored: Your proposed upload exceeds the maximum & allowed size');
  });

  it('falls back to the status, or to the network message', () => {
    assert.equal(s3ErrorMessage(500, ''), 'The file could not be stored (HTTP 500). Please try again.');
    assert.equal(s3ErrorMessage(0, ''), NETWORK_MESSAGE);
  });
});

describe('joinUrl', () => {
  it('joins with exactly one slash and adds the query', () => {
    assert.equal(joinUrl('http://h/api', '/leads'), 'http://h/api/leads');
    assert.equal(joinUrl('https://x.execute-api.us-east-1.amazonaws.com/prod/', 'leads', 'a=1'), 'https://x.execute-api.us-east-1.amazonaws.com/prod/leads?a=1');
    assert.equal(joinUrl('http://h/api', '/leads', new URLSearchParams()), 'http://h/api/leads');
  });
});

describe('createApi', () => {
  it('sends the raw ID token and JSON, and returns the answer', async () => {
    const { calls, fetchImpl } = recordingFetch(response(201, { uploadId: 'u1' }));
    const api = createApi({ baseUrl: 'http://h/api/', getToken: async () => 'id-token', fetchImpl });
    const answer = await api.post('/upload', { fileName: 'a.csv', fileSize: 3, contentType: 'text/csv' });
    assert.deepEqual(answer, { uploadId: 'u1' });
    assert.equal(calls[0].url, 'http://h/api/upload');
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.headers.Authorization, 'id-token');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].init.body), { fileName: 'a.csv', fileSize: 3, contentType: 'text/csv' });
  });

  it('sends a PUT with its JSON body and the token (the mapping of a review)', async () => {
    const { calls, fetchImpl } = recordingFetch(response(202, { uploadId: 'u1', status: 'uploaded' }));
    const api = createApi({ baseUrl: 'http://h/api', getToken: async () => 'id-token', fetchImpl });
    const body = { sheets: [{ worksheet: 'Leads', include: true, columns: [{ index: 3, field: null }] }] };
    assert.deepEqual(await api.put('/uploads/u1/mapping', body), { uploadId: 'u1', status: 'uploaded' });
    assert.equal(calls[0].url, 'http://h/api/uploads/u1/mapping');
    assert.equal(calls[0].init.method, 'PUT');
    assert.equal(calls[0].init.headers.Authorization, 'id-token');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].init.body), body);
  });

  it('adds the query parameters to a GET', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, { leads: [] }));
    const api = createApi({ baseUrl: 'http://h/api', getToken: async () => 't', fetchImpl });
    await api.get('/leads', { params: new URLSearchParams({ page: '2', search: 'a b' }) });
    assert.equal(calls[0].url, 'http://h/api/leads?page=2&search=a+b');
    assert.equal(calls[0].init.body, undefined);
  });

  it('turns an error answer into an ApiError with its message', async () => {
    const { fetchImpl } = recordingFetch(response(409, { error: { code: 'CONFLICT', message: 'This upload has already finished.' } }));
    const api = createApi({ baseUrl: 'http://h/api', getToken: async () => 't', fetchImpl });
    await assert.rejects(api.post('/status/u1/cancel'), { name: 'ApiError', status: 409, code: 'CONFLICT', message: 'This upload has already finished.' });
  });

  it('reports a 401 so the session can end', async () => {
    const heard = [];
    const { fetchImpl } = recordingFetch(response(401, { error: { code: 'UNAUTHORIZED', message: 'The incoming token has expired' } }));
    const api = createApi({ baseUrl: 'http://h/api', getToken: async () => 't', fetchImpl, onUnauthorized: (e) => heard.push(e.status) });
    await assert.rejects(api.get('/leads'), { status: 401 });
    assert.deepEqual(heard, [401]);
  });

  it('says the server cannot be reached when fetch fails', async () => {
    const api = createApi({
      baseUrl: 'http://h/api',
      getToken: async () => 't',
      fetchImpl: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await assert.rejects(api.get('/leads'), { status: 0, message: NETWORK_MESSAGE });
  });

  it('lets an abort through as an abort', async () => {
    const api = createApi({
      baseUrl: 'http://h/api',
      getToken: async () => 't',
      fetchImpl: async () => {
        throw new DOMException('The operation was aborted.', 'AbortError');
      },
    });
    await assert.rejects(api.get('/leads'), { name: 'AbortError' });
  });

  it('does not call the API without a token', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, {}));
    const api = createApi({
      baseUrl: 'http://h/api',
      getToken: async () => {
        throw new ApiError(401, 'SESSION_ENDED', SESSION_ENDED_MESSAGE);
      },
      fetchImpl,
    });
    await assert.rejects(api.get('/leads'), { status: 401 });
    assert.equal(calls.length, 0);
  });
});

describe('createCognito', () => {
  const endpoint = 'http://h/cognito/';

  it('signs in with USER_PASSWORD_AUTH', async () => {
    const tokens = { IdToken: 'i', AccessToken: 'a', RefreshToken: 'r', ExpiresIn: 3600 };
    const { calls, fetchImpl } = recordingFetch(response(200, { AuthenticationResult: tokens }));
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    assert.deepEqual(await cognito.signIn('a@b.c', 'pw'), { tokens });
    assert.equal(calls[0].url, endpoint);
    assert.equal(calls[0].init.headers['X-Amz-Target'], 'AWSCognitoIdentityProviderService.InitiateAuth');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/x-amz-json-1.1');
    assert.deepEqual(JSON.parse(calls[0].init.body), {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client',
      AuthParameters: { USERNAME: 'a@b.c', PASSWORD: 'pw' },
    });
  });

  it('returns the NEW_PASSWORD_REQUIRED challenge and answers it', async () => {
    const { calls, fetchImpl } = recordingFetch((url, init) =>
      JSON.parse(init.body).ChallengeName
        ? response(200, { AuthenticationResult: { IdToken: 'i', AccessToken: 'a', RefreshToken: 'r' } })
        : response(200, { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's1', ChallengeParameters: {} }),
    );
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    assert.deepEqual(await cognito.signIn('a@b.c', 'temp'), { challenge: 'NEW_PASSWORD_REQUIRED', session: 's1' });
    const answer = await cognito.completeNewPassword('a@b.c', 'New-Passw0rd!', 's1');
    assert.equal(answer.tokens.IdToken, 'i');
    assert.equal(calls[1].init.headers['X-Amz-Target'], 'AWSCognitoIdentityProviderService.RespondToAuthChallenge');
    assert.deepEqual(JSON.parse(calls[1].init.body), {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      ClientId: 'client',
      Session: 's1',
      ChallengeResponses: { USERNAME: 'a@b.c', NEW_PASSWORD: 'New-Passw0rd!' },
    });
  });

  it('refreshes with REFRESH_TOKEN_AUTH', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, { AuthenticationResult: { IdToken: 'i2', AccessToken: 'a2' } }));
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    assert.equal((await cognito.refresh('r1')).IdToken, 'i2');
    assert.deepEqual(JSON.parse(calls[0].init.body).AuthParameters, { REFRESH_TOKEN: 'r1' });
    assert.equal(JSON.parse(calls[0].init.body).AuthFlow, 'REFRESH_TOKEN_AUTH');
  });

  it('turns a refusal into a CognitoError in words', async () => {
    const { fetchImpl } = recordingFetch(response(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }));
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    await assert.rejects(cognito.signIn('a@b.c', 'bad'), (error) => {
      assert.ok(error instanceof CognitoError);
      assert.equal(error.type, 'NotAuthorizedException');
      assert.equal(error.message, WRONG_LOGIN_MESSAGE);
      assert.equal(error.isNetwork, false);
      return true;
    });
  });

  it('reads the error type from the header when the body has none', async () => {
    const { fetchImpl } = recordingFetch(response(400, '', { 'x-amzn-ErrorType': 'UserNotFoundException' }));
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    await assert.rejects(cognito.signIn('a@b.c', 'bad'), { type: 'UserNotFoundException', message: WRONG_LOGIN_MESSAGE });
  });

  it('says the server cannot be reached when fetch fails', async () => {
    const cognito = createCognito({
      endpoint,
      clientId: 'client',
      fetchImpl: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await assert.rejects(cognito.refresh('r'), (error) => error.isNetwork && error.message === NETWORK_MESSAGE);
  });

  it('signs out with GlobalSignOut, even if the page goes away', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, {}));
    const cognito = createCognito({ endpoint, clientId: 'client', fetchImpl });
    await cognito.signOut('access');
    assert.equal(calls[0].init.headers['X-Amz-Target'], 'AWSCognitoIdentityProviderService.GlobalSignOut');
    assert.deepEqual(JSON.parse(calls[0].init.body), { AccessToken: 'access' });
    assert.equal(calls[0].init.keepalive, true);
  });
});
