// Step 2 by email link: "Email me a link" on the email's code step, then
// the waiting step ("Check your email") until the link is confirmed, in
// this browser or any other, or expires, or the person cancels. The SDK's
// magic link flow sends the link and does the waiting (pushed events, or
// polling when it must); this module only shows where things stand.

import { showErrors } from "../errors.js";
import { state } from "../state.js";
import { ui, ICONS, showStep, showAlert, hideAlert, setBusy, showNotice } from "../ui.js";
import { continueSignUp } from "./details.js";
import { showDone } from "./done.js";
import { VERIFY, addressOf, beginVerification, showCodeStep } from "./verify.js";

const FIELD = "email_address";
/**
 * Where the confirmed link leads: the landing page www/verify/index.html.
 * The server answers /verify with a redirect to /verify/ that keeps the query.
 */
const REDIRECT_PATH = "/verify";

/** The flow being waited on, if any. */
let flow = null;
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

/**
 * Sends a link (from the code step, or again from the expired one) and
 * waits for it. The waiting step shows at once, as the send starts; should
 * the server refuse the link (it answers at once), the code step comes
 * back with the reason.
 */
async function sendLink(button) {
  if (button.disabled) return;
  hideAlert(ui.verifyAlert);
  hideAlert(ui.linkAlert);
  ui.verifyNotice.textContent = "";
  const mine = state.signUp.createMagicLinkFlow();
  flow = mine;
  setBusy(button, true, "Sending link…");
  showWaiting();
  let result;
  try {
    result = await mine.startMagicLinkFlow({ redirectUrl: location.origin + REDIRECT_PATH });
  } catch (err) {
    setBusy(button, false);
    // Cancelled: the Cancel button already moved on.
    if (flow !== mine || err?.code === "magic_link_flow_cancelled") return;
    flow = null;
    // The owner of the address opened the link elsewhere and said no: the
    // sign-up is gone, there is nothing to retry.
    if (err?.code === "sign_up_cancelled_by_owner") {
      return showNotice(
        "This sign-up was cancelled",
        `Whoever opened the link sent to ${addressOf(FIELD)} said they didn’t start this sign-up. No account was created.`,
        { signUp: true },
      );
    }
    return refused(err);
  }
  setBusy(button, false);
  if (flow !== mine) return;
  flow = null;
  state.signUp = result;
  settled(result);
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
  const tooSoon = err?.code === "verification_code_too_many_requests" || (err?.status === 429 && err.retryAfter);
  // Too soon: a link went out moments ago, and replaced the code.
  showCodeStep(FIELD, { sent: tooSoon || emailLinkSent() ? "link" : true });
  if (tooSoon) {
    const wait = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : 30;
    holdLinkButton(wait);
    showAlert(
      ui.verifyAlert,
      `A link was sent to this address moments ago. You can ask for a new link in ${wait} seconds.`,
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
  flow = null;
  waiting?.cancelMagicLinkFlow();
  setBusy(ui.emailLink, false);
  setBusy(ui.linkResend, false);
  // The waiting step said the link was sent; a Cancel pressed before the
  // server answered may or may not have stopped it, so the code sent
  // before may no longer work.
  showCodeStep(FIELD, { sent: "link" });
}

/** Whether the last message the sign-up knows of for the email is a link. */
function emailLinkSent() {
  return state.signUp.verifications?.emailAddress?.strategy === "email_link";
}

ui.emailLink.addEventListener("click", () => sendLink(ui.emailLink));
ui.linkResend.addEventListener("click", () => sendLink(ui.linkResend));
ui.linkCancel.addEventListener("click", backToCode);
