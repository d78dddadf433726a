// Step 2 by email link: "Email me a link" on the email's code step, then
// the waiting step ("Check your email") until the link is confirmed, in
// this browser or any other, or expires, or the person cancels. The SDK's
// magic link flow sends the link and does the waiting (pushed events, or
// polling when it must); this module only shows where things stand.

import { showErrors } from "../errors.js";
import { state } from "../state.js";
import { ui, ICONS, showStep, showAlert, hideAlert, setBusy } from "../ui.js";
import { continueSignUp } from "./details.js";
import { showDone } from "./done.js";
import { VERIFY, addressOf, beginVerification, showCodeStep, noteSent } from "./verify.js";

const FIELD = "email_address";
/**
 * Where the confirmed link leads: the landing page www/verify/index.html.
 * The server answers /verify with a redirect to /verify/ that keeps the query.
 */
const REDIRECT_PATH = "/verify";
/** How long the page waits to see the link sent before it shows the waiting step anyway. */
const SHOW_WAITING_AFTER_MS = 2000;

/** The flow being waited on, if any. */
let flow = null;
/** Stops watching for the link to go out. */
let stopWatching = () => {};
/** The countdown on "Email me a link" after the server asked to wait. */
let holdTimer = null;

/** Whether the code step for `field` offers a link too: the email, when the instance verifies it by link. */
export function offersLink(field) {
  if (field !== FIELD || !state.signUp) return false;
  const supported = state.signUp.verifications?.emailAddress?.supportedStrategies
    ?? state.env.signUp.attributes.emailAddress?.verificationStrategies
    ?? [];
  return supported.includes("email_link");
}

/** Sends a link (from the code step, or again from the expired one) and waits for it. */
async function sendLink(button) {
  if (button.disabled) return;
  hideAlert(ui.verifyAlert);
  hideAlert(ui.linkAlert);
  ui.verifyNotice.textContent = "";
  const signUp = state.signUp;
  const mine = signUp.createMagicLinkFlow();
  flow = mine;
  setBusy(button, true, "Sending link…");
  watchForSend(signUp, () => {
    if (flow !== mine) return;
    noteSent(FIELD);
    showWaiting();
  });
  let result;
  try {
    result = await mine.startMagicLinkFlow({ redirectUrl: location.origin + REDIRECT_PATH });
  } catch (err) {
    setBusy(button, false);
    // Cancelled: the Cancel button already moved on.
    if (flow !== mine || err?.code === "magic_link_flow_cancelled") return;
    finish();
    return refused(err);
  }
  setBusy(button, false);
  if (flow !== mine) return;
  finish();
  state.signUp = result;
  settled(result);
}

/**
 * Calls `sent` once the link went out: the SDK updates the sign-up in place
 * when the server answers the prepare, before the wait begins. If that is
 * not seen soon (a slow server), the waiting step shows anyway.
 */
function watchForSend(signUp, sent) {
  stopWatching();
  const before = signUp.verifications?.emailAddress;
  const isSent = () => {
    const now = signUp.verifications?.emailAddress;
    return now?.strategy === "email_link" && now.status === "unverified"
      && (before?.strategy !== "email_link" || now.expireAt !== before.expireAt);
  };
  const started = Date.now();
  const timer = setInterval(() => {
    if (isSent() || Date.now() - started >= SHOW_WAITING_AFTER_MS) {
      clearInterval(timer);
      sent();
    }
  }, 50);
  stopWatching = () => clearInterval(timer);
}

/** The flow is over: nothing to cancel or watch any more. */
function finish() {
  flow = null;
  stopWatching();
}

/** The wait ended: the email is verified (go on as a code would), the link expired, or the sign-up ended. */
function settled(signUp) {
  const status = signUp.verifications?.emailAddress?.status;
  if (signUp.status === "complete") return showDone();
  if (status === "verified") {
    const next = signUp.unverifiedFields.find((f) => VERIFY[f] && f !== FIELD);
    if (next) return beginVerification(next, { notice: `${VERIFY[FIELD].verified} One more step.` });
    return continueSignUp();
  }
  if (status === "expired") {
    return showLinkOutcome("This link has expired", "The link we sent to ", " no longer works. Send a new link, or enter a code instead.");
  }
  showLinkOutcome("This sign-up has ended", "The sign-up for ", " expired or was replaced. Go back and submit your details again.");
}

/** The prepare was refused: back on the code step, with the reason. */
function refused(err) {
  showCodeStep(FIELD, { sent: state.signUp.verifications?.emailAddress?.strategy === "email_link" ? "link" : true });
  if (err?.code === "verification_code_too_many_requests" || (err?.status === 429 && err.retryAfter)) {
    const wait = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : 30;
    holdLinkButton(wait);
    showAlert(
      ui.verifyAlert,
      `A code or link was sent to this address moments ago. You can ask for a link in ${wait} seconds.`,
      "warn",
    );
  } else {
    showErrors(ui.verifyForm, ui.verifyAlert, err);
  }
}

/** Keeps "Email me a link" disabled, with a countdown, for `seconds`. */
function holdLinkButton(seconds) {
  clearInterval(holdTimer);
  const until = Date.now() + seconds * 1000;
  const label = ui.emailLink.querySelector(".btn-label");
  const update = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    ui.emailLink.disabled = left > 0;
    label.textContent = left > 0 ? `Email me a link in ${left}s` : "Email me a link";
    return left > 0;
  };
  if (update()) {
    holdTimer = setInterval(() => {
      if (!update()) clearInterval(holdTimer);
    }, 250);
  }
}

/** The address in bold, for the step's description. */
function address() {
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = addressOf(FIELD);
  return strong;
}

/** The waiting step: the link is out, this tab moves on by itself. */
function showWaiting() {
  ui.linkIcon.innerHTML = ICONS.mail;
  ui.linkTitle.textContent = "Check your email";
  ui.linkDesc.replaceChildren(
    "We sent a link to ", address(),
    ". Open it and press Confirm, on this device or another one. This page moves on by itself once you do.",
  );
  hideAlert(ui.linkAlert);
  ui.linkWaiting.hidden = false;
  ui.linkResend.hidden = true;
  ui.linkCancel.textContent = "Cancel";
  showStep("link", "Check your email");
  ui.linkTitle.focus();
  state.outbox?.refresh();
}

/** The wait is over without a confirmation: says why, offers a new link or a code. */
function showLinkOutcome(title, before, after) {
  ui.linkTitle.textContent = title;
  ui.linkDesc.replaceChildren(before, address(), after);
  ui.linkWaiting.hidden = true;
  ui.linkResend.hidden = false;
  ui.linkCancel.textContent = "Enter a code instead";
  showStep("link", title);
  ui.linkTitle.focus();
}

/** Cancel (or "Enter a code instead"): stop waiting, back to the code step without sending anything. */
function backToCode() {
  const waiting = flow;
  finish();
  waiting?.cancelMagicLinkFlow();
  setBusy(ui.emailLink, false);
  setBusy(ui.linkResend, false);
  showCodeStep(FIELD, { sent: "link" });
}

ui.emailLink.addEventListener("click", () => sendLink(ui.emailLink));
ui.linkResend.addEventListener("click", () => sendLink(ui.linkResend));
ui.linkCancel.addEventListener("click", backToCode);
