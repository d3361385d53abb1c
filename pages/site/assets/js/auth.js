// Sign-in for the pages: OpenID Connect authorization code with PKCE (S256), against the issuer
// that /auth-config.json names (the Cognito user pool's hosted sign-in on AWS, the local stack's
// dev authority at /local-auth locally).
//
// Where each piece lives, and why:
// - the access token in this module's memory only: a script injected into a page could read
//   any storage, but nothing outlives the page;
// - the refresh token in sessionStorage (never localStorage): it survives the navigation from
//   /signed-in to the page the person came from, and dies with the tab;
// - the PKCE verifier, the state and the page to return to in sessionStorage for the round trip
//   to the issuer alone, removed as soon as /signed-in reads them.

const CONFIG_PATH = "/auth-config.json";
const ROUND_TRIP_KEY = "agenda.sign-in";
const REFRESH_KEY = "agenda.refresh-token";
// Refresh a little before the expiry, so a token never dies on its way to the API.
const EARLY_SECONDS = 30;

export class SignInError extends Error {
  constructor(code, message = code) {
    super(message);
    this.name = "SignInError";
    // "state" (a response this tab did not ask for), "network", or the issuer's OAuth error.
    this.code = code;
  }
}

let configPromise = null;
let access = null; // {token, expiresAt (ms)}
let refreshing = null;

function loadConfig() {
  if (!configPromise) {
    configPromise = fetch(CONFIG_PATH, { cache: "no-cache", credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new SignInError("config", `HTTP ${response.status}`);
        return response.json();
      })
      .catch((error) => {
        configPromise = null;
        throw error instanceof SignInError ? error : new SignInError("network");
      });
  }
  return configPromise;
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(byteCount) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

export function redirectUri() {
  return `${location.origin}/signed-in`;
}

// Only a path of this site: a crafted link must not turn the sign-in into a redirect elsewhere.
function ownPath(path) {
  return typeof path === "string" && path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\")
    ? path
    : "/my-bookings";
}

// Leaves the page for the issuer's sign-in; /signed-in brings the person back to returnTo.
export async function signIn({ returnTo = location.pathname + location.search, loginHint } = {}) {
  const config = await loadConfig();
  const verifier = randomString(48);
  const state = randomString(24);
  sessionStorage.setItem(ROUND_TRIP_KEY, JSON.stringify({ state, verifier, returnTo: ownPath(returnTo) }));
  const url = new URL(config.authorizationEndpoint, location.origin);
  const query = {
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope || "openid email",
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  };
  if (loginHint) query.login_hint = loginHint;
  url.search = new URLSearchParams(query).toString();
  location.assign(url.toString());
}

async function tokenRequest(form) {
  const config = await loadConfig();
  let response;
  try {
    response = await fetch(new URL(config.tokenEndpoint, location.origin), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new SignInError("network");
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok) throw new SignInError(data.error || "server_error", data.error_description);
  return data;
}

function keep(tokens) {
  access = {
    token: tokens.access_token,
    expiresAt: Date.now() + Number(tokens.expires_in || 3600) * 1000,
  };
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

// The /signed-in page: checks the answer is the one this tab asked for, exchanges the code,
// keeps the tokens; answers the path to go back to.
export async function completeSignIn(search = location.search) {
  const params = new URLSearchParams(search);
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(ROUND_TRIP_KEY) || "null");
  } catch {
    saved = null;
  }
  sessionStorage.removeItem(ROUND_TRIP_KEY);
  if (!saved || !params.get("state") || params.get("state") !== saved.state) {
    throw new SignInError("state");
  }
  if (params.get("error")) throw new SignInError(params.get("error"), params.get("error_description") || "");
  const code = params.get("code");
  if (!code) throw new SignInError("invalid_request");
  keep(
    await tokenRequest({
      grant_type: "authorization_code",
      code,
      code_verifier: saved.verifier,
      redirect_uri: redirectUri(),
    }),
  );
  return ownPath(saved.returnTo);
}

// A valid access token, refreshed when it expired or after a page load; null when signed out
// (or the refresh token is no longer good).
export async function accessToken() {
  if (access && access.expiresAt - EARLY_SECONDS * 1000 > Date.now()) return access.token;
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  if (!refresh) return null;
  if (!refreshing) {
    refreshing = tokenRequest({ grant_type: "refresh_token", refresh_token: refresh })
      .then((tokens) => {
        keep(tokens);
        return access.token;
      })
      .catch((error) => {
        access = null;
        // A refused refresh token is gone for good; a network failure may pass.
        if (error.code !== "network") sessionStorage.removeItem(REFRESH_KEY);
        if (error.code === "network") throw error;
        return null;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

// Forgets the tokens; the page decides where to go next.
export function signOut() {
  access = null;
  sessionStorage.removeItem(REFRESH_KEY);
  sessionStorage.removeItem(ROUND_TRIP_KEY);
}
