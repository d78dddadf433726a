// Step 2, verify: one code per unverified field (the email, then the
// phone). Sends the code (and a new one on request, after the resend
// wait), checks the code typed in, and moves on when it is right.

import { camel, clearErrors, showFieldError } from "../fields.js";
import { showErrors } from "../errors.js";
import { state } from "../state.js";
import { ui, ICONS, showStep, showAlert, hideAlert, setBusy } from "../ui.js";
import { continueSignUp } from "./details.js";
import { showDone } from "./done.js";
import { offersLink } from "./email-link.js";

/** The server's default minimum gap between two codes to one address. */
const RESEND_SECONDS = 30;

/** How each verifiable field is verified and talked about. */
export const VERIFY = {
  email_address: {
    strategy: "email_code", noun: "email", title: "Verify your email",
    back: "Use a different email", verified: "Email address verified.",
  },
  phone_number: {
    strategy: "phone_code", noun: "phone number", title: "Verify your phone number",
    back: "Use a different phone number", verified: "Phone number verified.",
  },
};

export function addressOf(field) {
  return state.signUp[camel(field)] ?? "";
}

function strategyFor(field) {
  const wanted = VERIFY[field].strategy;
  const verification = state.signUp.verifications?.[camel(field)];
  const supported = verification?.supportedStrategies
    ?? state.env.signUp.attributes[camel(field)]?.verificationStrategies
    ?? [];
  return supported.length === 0 || supported.includes(wanted) ? wanted : null;
}

/** Shows the code step for `field`, sending a code unless one is pending. */
export function beginVerification(field, { notice } = {}) {
  showCodeStep(field, { notice, sent: false });
  const verification = state.signUp.verifications?.[camel(field)];
  const pending = verification?.nextAction === "needs_attempt" && verification.status === "unverified"
    && verification.strategy !== "email_link";
  if (pending) setVerifyDescription(field, true);
  else sendCode({ automatic: true });
}

/**
 * Shows the code step for `field` and sends nothing. `sent`: whether a code
 * is out (true), being sent (false), or a link replaced it ("link").
 */
export function showCodeStep(field, { notice, sent = true } = {}) {
  const info = VERIFY[field];
  state.verifying = field;
  state.outbox?.highlight([state.signUp.emailAddress, state.signUp.phoneNumber]);
  ui.verifyTitle.textContent = info.title;
  ui.verifyIcon.innerHTML = field === "phone_number" ? ICONS.phone : ICONS.mail;
  ui.backLabel.textContent = info.back;
  ui.linkChoice.hidden = !offersLink(field);
  setVerifyDescription(field, sent);
  ui.code.value = "";
  clearErrors(ui.verifyForm);
  hideAlert(ui.verifyAlert);
  ui.verifyNotice.textContent = notice ?? "";
  showStep("verify", info.title);
  ui.code.focus();
  tickResend();
}

function setVerifyDescription(field, sent) {
  const address = addressOf(field);
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = address;
  if (sent === "link") {
    ui.verifyDesc.replaceChildren(
      "We emailed a link to ", strong, ", so earlier codes no longer work. Ask for a new code below, or for another link.",
    );
  } else if (sent) {
    ui.verifyDesc.replaceChildren(
      "We sent a 6-digit code to ", strong, ". Enter it below to confirm it’s yours.",
    );
  } else {
    ui.verifyDesc.replaceChildren("Sending a 6-digit code to ", strong, "…");
  }
}

async function sendCode({ automatic = false } = {}) {
  const field = state.verifying;
  const strategy = strategyFor(field);
  hideAlert(ui.verifyAlert);
  if (!strategy) {
    showAlert(ui.verifyAlert, `This instance doesn’t verify your ${VERIFY[field].noun} by code.`);
    return;
  }
  const address = addressOf(field);
  ui.resend.disabled = true;
  ui.resend.textContent = "Sending…";
  // A link asked for now would race the code: whichever the server takes last replaces the other.
  ui.emailLink.disabled = true;
  try {
    await state.signUp.prepareVerification({ strategy });
    state.resendAt.set(address, Date.now() + RESEND_SECONDS * 1000);
    if (state.verifying !== field) return;
    setVerifyDescription(field, true);
    if (!automatic) {
      ui.verifyNotice.textContent = `We sent a new code to ${address}.`;
      clearErrors(ui.verifyForm);
      ui.code.value = "";
      ui.code.focus();
    }
  } catch (err) {
    if (state.verifying !== field) return;
    if (err?.code === "verification_already_verified") {
      await refreshSignUp();
      return continueSignUp();
    }
    if (err?.code === "verification_code_too_many_requests" || (err?.status === 429 && err.retryAfter)) {
      const wait = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : RESEND_SECONDS;
      state.resendAt.set(address, Date.now() + wait * 1000);
      setVerifyDescription(field, true);
      showAlert(
        ui.verifyAlert,
        "A code was sent to this address moments ago. Please wait before asking for another one.",
        "warn",
      );
    } else {
      showErrors(ui.verifyForm, ui.verifyAlert, err);
    }
  } finally {
    ui.emailLink.disabled = false;
    tickResend();
  }
}

/** Keeps the Resend button's state and countdown current. */
function tickResend() {
  clearInterval(state.countdown);
  state.countdown = null;
  if (!state.verifying) return;
  const update = () => {
    const until = state.resendAt.get(addressOf(state.verifying)) ?? 0;
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      ui.resend.disabled = true;
      ui.resend.textContent = `Resend code in ${left}s`;
      return true;
    }
    ui.resend.disabled = false;
    ui.resend.textContent = "Resend code";
    return false;
  };
  if (update()) {
    state.countdown = setInterval(() => {
      if (!update()) {
        clearInterval(state.countdown);
        state.countdown = null;
      }
    }, 250);
  }
}

/** Leaves the code step: nothing is being verified, the resend countdown stops. */
export function stopVerifying() {
  state.verifying = null;
  tickResend();
}

async function refreshSignUp() {
  try {
    await state.signUp.reload();
  } catch {
    // The next call reports it.
  }
}

async function submitCode(event) {
  event.preventDefault();
  if (ui.verifySubmit.disabled) return;
  const field = state.verifying;
  const form = ui.verifyForm;
  clearErrors(form);
  hideAlert(ui.verifyAlert);
  ui.verifyNotice.textContent = "";
  const code = ui.code.value.replace(/\s+/g, "");
  if (code === "") {
    showFieldError(form, "code", "Enter the code we sent you.");
    ui.code.focus();
    return;
  }
  const strategy = strategyFor(field);
  setBusy(ui.verifySubmit, true, "Verifying…");
  try {
    await state.signUp.attemptVerification({ strategy, code });
  } catch (err) {
    // No code to check: a link may have replaced it (the page may not know
    // yet, if the link was cancelled while it was being sent).
    if (err?.code === "verification_not_sent") await refreshSignUp();
    setBusy(ui.verifySubmit, false);
    const aboutCode = /^(form_code_incorrect|verification_(failed|expired|not_sent))$/.test(err?.code ?? "");
    showErrors(form, ui.verifyAlert, err, { fallbackParam: aboutCode ? "code" : undefined });
    if (err?.code === "verification_not_sent" && state.signUp.verifications?.[camel(field)]?.strategy === "email_link") {
      showFieldError(form, "code", "This code no longer works: we emailed you a link instead. Open the link, or ask for a new code below.");
    } else if (err?.code === "verification_failed" || err?.code === "verification_expired") {
      showFieldError(form, "code", `${err.code === "verification_failed"
        ? "Too many wrong codes." : "This code has expired."} Ask for a new code below.`);
    }
    ui.code.focus();
    ui.code.select();
    return;
  }
  setBusy(ui.verifySubmit, false);
  const info = VERIFY[field];
  if (state.signUp.status === "complete") return showDone();
  const next = state.signUp.unverifiedFields.find((f) => VERIFY[f] && f !== field);
  if (next) return beginVerification(next, { notice: `${info.verified} One more step.` });
  continueSignUp();
}

function backToDetails() {
  const field = state.verifying;
  stopVerifying();
  hideAlert(ui.detailsAlert);
  showStep("details", "Your details");
  const input = field && ui.detailsForm.querySelector(`#${field}`);
  if (input) {
    input.focus();
    input.select?.();
  }
}

ui.verifyForm.addEventListener("submit", submitCode);
ui.resend.addEventListener("click", () => sendCode());
ui.back.addEventListener("click", backToDetails);
// Digits only in the code box; a pasted "123 456" still works.
ui.code.addEventListener("input", () => {
  const digits = ui.code.value.replace(/\D+/g, "").slice(0, 6);
  if (digits !== ui.code.value) ui.code.value = digits;
});
