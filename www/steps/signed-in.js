// The signed-in view: the current session (`gh.session`), a session token
// with its claims on request, signing out, and two panels: two-step
// verification (totp.js) and the user's sessions (sessions.js). Where the
// instance requires a second factor (`[mfa] required`), a new session is
// `pending` (task `setup_mfa`) until the user turns TOTP on: the view then
// shows only the two-step panel, and becomes the full one once it is on.
// Whether two-step verification is on is the SDK's `gh.session.totpEnabled`
// (the server says it in every answer's client, so after a reload too).

import { generalMessage } from "../errors.js";
import { showSessions } from "../sessions.js";
import { showTotpPanel } from "../totp.js";
import { state } from "../state.js";
import { $, ui, showStep, showAlert, hideAlert, setBusy } from "../ui.js";
import { showSignIn } from "./sign-in.js";
import { showSecondFactor } from "./second-factor.js";

/** This browser's session ended elsewhere (revoked from another device, or signed out in another tab). */
function sessionEnded() {
  showSignIn({ notice: "Your session has ended. Sign in again." });
}

/**
 * Shows the current session, or the sign-in's second step when it waits for
 * one (after a password reset too), or the sign-in form when there is none.
 */
export function showSignedIn() {
  const session = state.gh.session;
  if (!session && state.gh.signIn?.status === "needs_second_factor") return showSecondFactor();
  if (!session) return showSignIn();
  ui.signedInSession.textContent = session.id;
  ui.signedInUser.textContent = session.userId;
  const signIn = state.gh.signIn;
  const who = signIn.status === "complete" && signIn.createdSessionId === session.id ? signIn.identifier : null;
  ui.signedInDesc.textContent = who
    ? `Welcome back, ${who}. You’re signed in on this device.`
    : "You’re signed in on this device.";
  hideAlert(ui.signedInAlert);
  ui.token.hidden = true;
  const pending = session.status === "pending" && (session.tasks ?? []).includes("setup_mfa");
  if (pending) {
    ui.signedInDesc.textContent =
      "Your account needs two-step verification. Turn it on below to finish signing in.";
  }
  ui.getToken.hidden = pending;
  ui.sessionsPanel.hidden = pending;
  showTotpPanel(ui.totpPanel, {
    on: pending ? false : session.totpEnabled,
    changed: (on) => {
      // The session is active now: show the whole view.
      if (pending && on) showSignedIn();
    },
    signedOut: sessionEnded,
  });
  if (!pending) showSessions(ui.sessionsPanel, { signedOut: sessionEnded });
  showStep("signedIn");
  $("signed-in-title").focus();
}

/** The claims of a JWT (its middle part, base64url JSON), for display only. */
function jwtClaims(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

async function getToken() {
  if (ui.getToken.disabled) return;
  hideAlert(ui.signedInAlert);
  const session = state.gh.session;
  if (!session) return showSignIn({ notice: "Your session has ended. Sign in again." });
  setBusy(ui.getToken, true, "Getting a token…");
  let jwt;
  try {
    jwt = await session.getToken();
  } catch (err) {
    setBusy(ui.getToken, false);
    // Signed out elsewhere (another tab, or the account was removed).
    if (err?.code === "session_not_found") return showSignIn({ notice: generalMessage(err) });
    showAlert(ui.signedInAlert, generalMessage(err));
    return;
  }
  setBusy(ui.getToken, false);
  const claims = jwtClaims(jwt);
  const time = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const rows = [
    ["Subject (sub): the user", claims.sub],
    ["Session (sid)", claims.sid],
    ["Issuer (iss)", claims.iss],
    ["Issued at (iat)", `${claims.iat} · ${time(claims.iat)}`],
    ["Expires (exp)", `${claims.exp} · ${time(claims.exp)}`],
    ["Token id (jti)", claims.jti],
  ];
  ui.tokenClaims.replaceChildren(...rows.map(([label, value]) => {
    const row = document.createElement("div");
    row.className = "id-row";
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    const code = document.createElement("code");
    code.textContent = String(value);
    dd.append(code);
    row.append(dt, dd);
    return row;
  }));
  ui.tokenJwt.value = jwt;
  ui.tokenNote.textContent =
    `Valid for ${claims.exp - claims.iat} seconds; asking again before then gives the same token. ` +
    "Your backend verifies it with the keys at /.well-known/jwks.json.";
  ui.token.hidden = false;
}

async function signOut() {
  if (ui.signOut.disabled) return;
  hideAlert(ui.signedInAlert);
  setBusy(ui.signOut, true, "Signing out…");
  try {
    await state.gh.signOut();
  } catch (err) {
    setBusy(ui.signOut, false);
    showAlert(ui.signedInAlert, generalMessage(err));
    return;
  }
  setBusy(ui.signOut, false);
  ui.identifier.value = "";
  showSignIn({ notice: "You’ve signed out." });
}

ui.getToken.addEventListener("click", getToken);
ui.signOut.addEventListener("click", signOut);
