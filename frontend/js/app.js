// Easy CRM's web app: start-up, signing in and out, and the parts of the workspace working together.

import { createApi } from './api.js';
import { createGlance } from './charts.js';
import { createChat } from './chat.js';
import { CognitoError, createCognito } from './cognito.js';
import { byId, showText } from './dom.js';
import { NETWORK_MESSAGE, SESSION_ENDED_MESSAGE } from './errors.js';
import { createHistory } from './history.js';
import { createLeadDetail } from './lead-detail.js';
import { createLeads } from './leads.js';
import { parseState } from './query-state.js';
import { browserStorage, createSession } from './session.js';
import { createUploads } from './uploads.js';

const REFRESH_AFTER_UPLOAD_MS = 600;

const view = {
  boot: byId('boot-status'),
  signIn: byId('signin-view'),
  app: byId('app-view'),
  main: byId('main'),
  userArea: byId('user-area'),
  userEmail: byId('user-email'),
  signOut: byId('sign-out'),
  alert: byId('signin-alert'),
  note: byId('signin-note'),
  intro: byId('signin-intro'),
  signInForm: byId('signin-form'),
  email: byId('signin-email'),
  password: byId('signin-password'),
  signInButton: byId('signin-submit'),
  newPasswordForm: byId('newpw-form'),
  newPassword: byId('new-password'),
  confirmPassword: byId('confirm-password'),
  newPasswordButton: byId('newpw-submit'),
  newPasswordBack: byId('newpw-back'),
};

function readConfig(raw) {
  const config = raw && typeof raw === 'object' ? raw : {};
  const missing = ['apiUrl', 'userPoolClientId', 'cognitoEndpoint'].filter(
    (key) => typeof config[key] !== 'string' || !config[key],
  );
  if (missing.length) throw new Error(`config.json lacks ${missing.join(', ')}`);
  return config;
}

async function loadConfig() {
  let response;
  try {
    response = await fetch('config.json', { cache: 'no-store' });
  } catch {
    throw new Error(NETWORK_MESSAGE);
  }
  if (!response.ok) throw new Error(`Easy CRM cannot start: its settings (config.json) answered HTTP ${response.status}.`);
  try {
    return readConfig(await response.json());
  } catch (error) {
    throw new Error(`Easy CRM cannot start: its settings (config.json) are not usable (${error.message}).`);
  }
}

function setBusy(button, busy, busyText, idleText) {
  button.disabled = busy;
  button.textContent = busy ? busyText : idleText;
}

async function main() {
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    view.boot.textContent = error.message;
    view.boot.setAttribute('role', 'alert');
    view.boot.className = 'notice notice-error mx-auto mt-16 max-w-md';
    return;
  }

  const cognito = createCognito({ endpoint: config.cognitoEndpoint, clientId: config.userPoolClientId });
  const session = createSession({
    cognito,
    storage: browserStorage(),
    onEnd: (message) => showSignIn({ alert: message }),
  });
  const api = createApi({
    baseUrl: config.apiUrl,
    getToken: () => session.idToken(),
    onUnauthorized: () => session.end(SESSION_ENDED_MESSAGE),
  });

  // --- the workspace ----------------------------------------------------------------------------

  let inApp = false;
  let refreshTimer = null;
  let challenge = null; // {email, session} while a new password is needed

  const detail = createLeadDetail({ api });
  const leads = createLeads({ api, onOpenLead: (lead, button) => detail.open(lead, button) });
  const glance = createGlance({ api, onSummary: (summary) => leads.setSuggestions(summary) });
  const chat = createChat({ api, storage: browserStorage(), onOpenInTable: (filters) => leads.showFilters(filters) });

  async function refreshUploads() {
    try {
      const uploads = await uploadsPanel.load();
      if (uploads) {
        leads.setUploads(uploads);
        glance.showUploads(uploads);
      }
    } catch (error) {
      glance.showUploadsError(error.message);
    }
  }

  /** An upload or an undo reached its end: other leads, other numbers. Several finishing together refresh once. */
  function afterUpload() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (!inApp) return;
      leads.reloadSoon();
      glance.loadSummary();
      refreshUploads();
    }, REFRESH_AFTER_UPLOAD_MS);
  }

  const uploadsPanel = createUploads({ api, onFinished: afterUpload });
  // An undo of one of the caller's own imports shows in their uploads list too: the list reloads to follow it.
  const importHistory = createHistory({ api, onUndoStarted: refreshUploads, onUndone: afterUpload });

  function enterApp({ focus } = {}) {
    inApp = true;
    view.boot.hidden = true;
    view.signIn.hidden = true;
    view.app.hidden = false;
    view.userEmail.textContent = session.email;
    view.userEmail.setAttribute('title', session.email);
    view.userArea.hidden = false;
    uploadsPanel.start();
    importHistory.start();
    glance.start();
    leads.start(parseState(window.location.search));
    chat.start();
    refreshUploads();
    glance.loadSummary();
    if (focus) view.main.focus();
  }

  function leaveApp() {
    inApp = false;
    clearTimeout(refreshTimer);
    detail.close();
    uploadsPanel.stop();
    importHistory.stop();
    leads.stop();
    glance.stop();
    chat.stop(); // the conversation is forgotten with the session
    view.app.hidden = true;
    view.userArea.hidden = true;
    view.userEmail.textContent = '';
  }

  // --- signing in -------------------------------------------------------------------------------

  function showSignIn({ alert = '', note = '' } = {}) {
    if (inApp) leaveApp();
    challenge = null;
    view.boot.hidden = true;
    view.signIn.hidden = false;
    view.signInForm.hidden = false;
    view.newPasswordForm.hidden = true;
    view.intro.hidden = false;
    view.password.value = '';
    view.newPassword.value = '';
    view.confirmPassword.value = '';
    setBusy(view.signInButton, false, '', 'Sign in');
    showText(view.alert, alert);
    showText(view.note, note);
    (view.email.value ? view.password : view.email).focus();
  }

  function showNewPassword() {
    view.signInForm.hidden = true;
    view.intro.hidden = true;
    view.newPasswordForm.hidden = false;
    showText(view.alert, '');
    showText(view.note, '');
    view.newPassword.focus();
  }

  function signedIn(tokens, email) {
    session.begin(tokens, email);
    challenge = null;
    view.password.value = '';
    view.newPassword.value = '';
    view.confirmPassword.value = '';
    showText(view.alert, '');
    showText(view.note, '');
    enterApp({ focus: true });
  }

  view.signInForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (view.signInButton.disabled) return;
    const email = view.email.value.trim();
    const password = view.password.value;
    showText(view.note, '');
    if (!email || !password) {
      showText(view.alert, 'Enter your email and password.');
      (email ? view.password : view.email).focus();
      return;
    }
    showText(view.alert, '');
    setBusy(view.signInButton, true, 'Signing in…', 'Sign in');
    try {
      const answer = await cognito.signIn(email, password);
      if (answer.tokens) {
        signedIn(answer.tokens, email);
      } else if (answer.challenge === 'NEW_PASSWORD_REQUIRED') {
        challenge = { email, session: answer.session };
        showNewPassword();
      } else {
        showText(view.alert, 'This account needs a sign-in step the app does not support. Ask your administrator.');
      }
    } catch (error) {
      showText(view.alert, error instanceof CognitoError ? error.message : NETWORK_MESSAGE);
      view.password.select();
    } finally {
      setBusy(view.signInButton, false, '', 'Sign in');
    }
  });

  view.newPasswordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (view.newPasswordButton.disabled || !challenge) return;
    const password = view.newPassword.value;
    if (!password) {
      showText(view.alert, 'Enter a new password.');
      view.newPassword.focus();
      return;
    }
    if (password !== view.confirmPassword.value) {
      showText(view.alert, 'The two passwords are not the same.');
      view.confirmPassword.focus();
      return;
    }
    showText(view.alert, '');
    setBusy(view.newPasswordButton, true, 'Saving…', 'Set new password');
    try {
      const answer = await cognito.completeNewPassword(challenge.email, password, challenge.session);
      if (answer.tokens) signedIn(answer.tokens, challenge.email);
      else showText(view.alert, 'This account needs a sign-in step the app does not support. Ask your administrator.');
    } catch (error) {
      const message = error instanceof CognitoError ? error.message : NETWORK_MESSAGE;
      if (error instanceof CognitoError && error.type === 'NotAuthorizedException') {
        showSignIn({ alert: message }); // the challenge session expired: start again
      } else {
        showText(view.alert, message);
        view.newPassword.focus();
      }
    } finally {
      setBusy(view.newPasswordButton, false, '', 'Set new password');
    }
  });

  view.newPasswordBack.addEventListener('click', () => showSignIn());

  view.signOut.addEventListener('click', () => {
    leaveApp(); // every poll, transfer and request stops now
    const revoking = session.signOut(); // forgets the tokens at once, then revokes them at Cognito
    window.history.replaceState(window.history.state, '', window.location.pathname);
    view.email.value = '';
    showSignIn({ note: 'You have signed out.' });
    return revoking;
  });

  // --- start --------------------------------------------------------------------------------------

  if (session.restore()) enterApp();
  else showSignIn();
}

main();
