// The page an email link leads to (/verify/, the `redirect_url` the
// sign-up page gives): says how the confirmation ended, from the
// `gh_status` the server put in the address, read by the SDK's
// `Gatehouse.handleMagicLinkVerification()`. When the sign-up completed
// and this browser holds the new session, it offers to continue to the app.

import { importSdk } from "../sdk.js";

const $ = (id) => document.getElementById(id);

const CHECK = '<svg viewBox="0 0 24 24" focusable="false"><path d="M5 12.5l4.5 4.5L19 7.5" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** What the page says for each outcome: icon tone, heading, message, and the link below it. */
const OUTCOMES = {
  verified: {
    tone: "success", icon: CHECK, title: "Email confirmed",
    message: "Your email address is confirmed. You can return to your original tab: it has moved on by itself. You can close this one.",
  },
  signedIn: {
    tone: "success", icon: CHECK, title: "Email confirmed",
    message: "Your email address is confirmed and your account is ready. You’re signed in on this browser.",
    action: "Continue to the app",
  },
  expired: {
    tone: "error", icon: "!", title: "This link has expired",
    message: "Email links work for a limited time. Go back to the sign-up and ask for a new link, or use a code instead.",
    action: "Back to sign-up",
  },
  failed: {
    tone: "error", icon: "!", title: "This link can’t be used",
    message: "It was already used, a newer code or link replaced it, or the sign-up has ended. Go back to the sign-up to continue.",
    action: "Back to sign-up",
  },
  client_mismatch: {
    tone: "error", icon: "!", title: "Open the link where you signed up",
    message: "For your security, this link only works in the browser where you started signing up. Open it there, or ask for a new link.",
    action: "Back to sign-up",
  },
  none: {
    tone: "", icon: "", title: "Nothing to confirm here",
    message: "Email confirmation links lead to this page, and this address isn’t one of them. Start from the sign-up page.",
    action: "Go to sign-up",
  },
  broken: {
    tone: "error", icon: "!", title: "This page didn’t load",
    message: "We couldn’t load the sign-up module, so we can’t tell how your confirmation went. Go back to the sign-up page to check.",
    action: "Go to sign-up",
  },
};

/** A password reset link's outcomes (its `redirect_url` carries `reset=1`). */
const RESET_OUTCOMES = {
  verified: {
    tone: "success", icon: CHECK, title: "Password reset confirmed",
    message: "Go back to the tab where you asked for the link: it now asks for your new password. You can close this one.",
  },
  expired: {
    tone: "error", icon: "!", title: "This link has expired",
    message: "Password reset links work for a limited time. Go back to sign in and ask for a new one, or use a code.",
    action: "Back to sign in",
  },
  failed: {
    tone: "error", icon: "!", title: "This link can’t be used",
    message: "It was already used, a newer code or link replaced it, or the reset has ended. Your password is unchanged.",
    action: "Back to sign in",
  },
  client_mismatch: {
    tone: "error", icon: "!", title: "Open the link where you asked for it",
    message: "For your security, this link only works in the browser where you asked to reset your password.",
    action: "Back to sign in",
  },
};
if (new URLSearchParams(location.search).has("reset")) Object.assign(OUTCOMES, RESET_OUTCOMES);

function show(outcome) {
  const { tone, icon, title, message, action } = OUTCOMES[outcome];
  $("outcome-icon").className = tone ? `status-icon status-icon--${tone}` : "status-icon";
  $("outcome-icon").innerHTML = icon;
  $("outcome-title").textContent = title;
  $("outcome-desc").textContent = message;
  $("outcome-desc").style.marginBottom = action ? "" : "0";
  $("outcome-action").textContent = action ?? "";
  $("outcome-action").hidden = !action;
  $("step-loading").hidden = true;
  $("step-outcome").hidden = false;
  $("card").setAttribute("aria-busy", "false");
  document.title = `${title} · Gatehouse`;
  $("outcome-title").focus();
}

/** Whether this browser's client holds `sessionId` (the link may have been opened elsewhere). */
async function holdsSession(sdk, sessionId) {
  try {
    const gh = await sdk.Gatehouse.load({ frontendApi: location.origin });
    return gh.session?.id === sessionId;
  } catch (err) {
    console.error(err);
    return false;
  }
}

async function start() {
  let sdk;
  try {
    sdk = await importSdk();
  } catch (err) {
    console.error(err);
    return show("broken");
  }
  const result = sdk.Gatehouse.handleMagicLinkVerification();
  if (!result) return show("none");
  if (result.status === "verified" && result.createdSessionId && await holdsSession(sdk, result.createdSessionId)) {
    return show("signedIn");
  }
  show(result.status in OUTCOMES ? result.status : "failed");
}

start();
