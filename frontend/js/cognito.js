// Amazon Cognito's user-pool API over plain fetch: sign in, answer the new-password challenge, refresh,
// sign out. No DOM; `fetch` can be replaced for tests.

import { cognitoMessage } from './errors.js';

export class CognitoError extends Error {
  constructor(type, message, stage) {
    super(cognitoMessage(type, message, stage));
    this.name = 'CognitoError';
    this.type = type;
    this.detail = message;
  }

  /** True when Cognito could not be reached (not a refusal). */
  get isNetwork() {
    return this.type === 'NetworkError';
  }
}

export function createCognito({ endpoint, clientId, fetchImpl = (...args) => globalThis.fetch(...args) }) {
  async function call(action, body, stage, extra = {}) {
    let response;
    let text;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(body),
        ...extra,
      });
      text = await response.text();
    } catch {
      throw new CognitoError('NetworkError', '', stage);
    }
    let json = null;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = null;
    }
    if (!response.ok || json === null) {
      const type = (json && json.__type) || response.headers?.get?.('x-amzn-ErrorType') || `HTTP ${response.status}`;
      const message = (json && (json.message || json.Message)) || '';
      throw new CognitoError(type, message, stage);
    }
    return json;
  }

  function result(answer, stage) {
    if (answer.AuthenticationResult && answer.AuthenticationResult.IdToken) {
      return { tokens: answer.AuthenticationResult };
    }
    if (answer.ChallengeName) return { challenge: answer.ChallengeName, session: answer.Session };
    throw new CognitoError('UnexpectedAnswer', 'Cognito answered without tokens.', stage);
  }

  return {
    /** → {tokens} or {challenge, session} (NEW_PASSWORD_REQUIRED for users an administrator created). */
    async signIn(email, password) {
      const answer = await call(
        'InitiateAuth',
        { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: password } },
        'signIn',
      );
      return result(answer, 'signIn');
    },

    async completeNewPassword(email, newPassword, session) {
      const answer = await call(
        'RespondToAuthChallenge',
        {
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          ClientId: clientId,
          Session: session,
          ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword },
        },
        'newPassword',
      );
      return result(answer, 'newPassword');
    },

    /** New ID and access tokens (Cognito sends no new refresh token: the old one stays valid). */
    async refresh(refreshToken) {
      const answer = await call(
        'InitiateAuth',
        { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } },
        'refresh',
      );
      if (!answer.AuthenticationResult || !answer.AuthenticationResult.IdToken) {
        throw new CognitoError('UnexpectedAnswer', 'Cognito answered without tokens.', 'refresh');
      }
      return answer.AuthenticationResult;
    },

    async signOut(accessToken) {
      // keepalive: the request goes out even if the page is closed or reloaded right away.
      await call('GlobalSignOut', { AccessToken: accessToken }, 'signOut', { keepalive: true });
    },
  };
}
