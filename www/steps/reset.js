// Forgot password: from the sign-in step, a reset code to the email typed
// there (`reset_password_email_code`), then a new password, then signed in.
// Or "Email me a link instead" (`reset_password_email_link`, through
// `signIn.createMagicLinkFlow()`): this page waits until the link is
// confirmed, on any device, then asks for the new password.
// The SDK answers an address without an account exactly like one with an
// account, so this step never says which it was.

import { clearErrors, errorMessage, showFieldError } from "../fields.js";
import { generalMessage } from "../errors.js";
import { ui, showStep, showAlert, hideAlert, setBusy } from "../ui.js";
import { state } from "../state.js";
import { showSignedIn } from "./signed-in.js";

/** Shows an error next to `input` if it names a param, else in the alert. */
function showError(form, input, err) {
  if (err?.meta?.paramName) showFieldError(form, input, errorMessage(err, state.env))?.focus();
  else showAlert(ui.resetAlert, generalMessage(err));
  if (!(err && err.name === "GatehouseError")) console.error(err);
}

/** Where a confirmed reset link leads: the landing page, which then says to come back here. */
const LINK_LANDING = "/verify?reset=1";

/** The wait for a reset link, while one runs. */
let linkFlow = null;

function stopWaiting() {
  linkFlow?.cancelMagicLinkFlow();
  linkFlow = null;
  ui.resetLinkWaiting.hidden = true;
}

/** Shows the new-password form, with `text` above it. */
function askNewPassword(text) {
  ui.resetDesc.textContent = text;
  ui.resetCodeForm.hidden = true;
  ui.resetLinkChoice.hidden = true;
  ui.resetLinkWaiting.hidden = true;
  ui.resetPasswordForm.hidden = false;
  ui.newPassword.focus();
}

/** "Email me a link instead": sends a reset link and waits for its confirmation. */
async function emailLink() {
  if (ui.resetLink.disabled) return;
  stopWaiting();
  hideAlert(ui.resetAlert);
  clearErrors(ui.resetCodeForm);
  const flow = (linkFlow = state.gh.signIn.createMagicLinkFlow());
  setBusy(ui.resetLink, true, "Sending…");
  let signIn;
  try {
    const waiting = flow.startMagicLinkFlow({ redirectUrl: location.origin + LINK_LANDING });
    // The link is on its way once the sign-in says so; then the wait shows.
    const strong = document.createElement("strong");
    strong.className = "address";
    strong.textContent = state.gh.signIn.identifier;
    ui.resetDesc.replaceChildren("If ", strong, " has an account, we emailed it a link. Open it and confirm, on any device: this page moves on by itself.");
    ui.resetCodeForm.hidden = true;
    ui.resetLinkChoice.hidden = true;
    ui.resetLinkWaiting.hidden = false;
    state.outbox?.highlight([state.gh.signIn.identifier]);
    signIn = await waiting;
  } catch (err) {
    if (linkFlow !== flow || err?.code === "magic_link_flow_cancelled") return;
    linkFlow = null;
    ui.resetLinkWaiting.hidden = true;
    ui.resetLinkChoice.hidden = false;
    ui.resetCodeForm.hidden = false;
    showAlert(ui.resetAlert, generalMessage(err));
    if (!(err && err.name === "GatehouseError")) console.error(err);
    return;
  } finally {
    setBusy(ui.resetLink, false);
  }
  linkFlow = null;
  if (signIn.status === "needs_new_password") {
    askNewPassword("Link confirmed. Choose a new password: your other sessions will be signed out.");
  } else {
    ui.resetLinkWaiting.hidden = true;
    ui.resetLinkChoice.hidden = false;
    showAlert(ui.resetAlert, "That link expired. Ask for a new one, or use the code.");
    ui.resetCodeForm.hidden = false;
  }
}

/** "Forgot password?": sends a reset code to the email in the sign-in form. */
async function startReset() {
  stopWaiting();
  clearErrors(ui.signInForm);
  hideAlert(ui.signInAlert);
  const identifier = ui.identifier.value.trim();
  if (!identifier.includes("@")) {
    showFieldError(ui.signInForm, "identifier", "Enter your email address to reset your password.")?.focus();
    return;
  }
  try {
    await state.gh.signIn.create({ identifier, strategy: "reset_password_email_code" });
  } catch (err) {
    const message = err?.meta?.paramName === "identifier" ? "Enter a valid email address." : generalMessage(err);
    showFieldError(ui.signInForm, "identifier", message)?.focus();
    return;
  }
  state.outbox?.highlight([identifier]);
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = state.gh.signIn.identifier;
  ui.resetDesc.replaceChildren("If ", strong, " has an account, we emailed it a 6-digit code. Enter it here.");
  for (const form of [ui.resetCodeForm, ui.resetPasswordForm]) clearErrors(form);
  hideAlert(ui.resetAlert);
  ui.resetCode.value = ui.newPassword.value = "";
  ui.resetCodeForm.hidden = false;
  ui.resetLinkChoice.hidden = !state.gh.signIn.supportedFirstFactors.some((f) => f.strategy === "reset_password_email_link");
  ui.resetPasswordForm.hidden = true;
  showStep("reset");
  ui.resetCode.focus();
}

async function submitCode(event) {
  event.preventDefault();
  if (ui.resetCodeSubmit.disabled) return;
  clearErrors(ui.resetCodeForm);
  hideAlert(ui.resetAlert);
  setBusy(ui.resetCodeSubmit, true, "Checking…");
  try {
    await state.gh.signIn.attemptFirstFactor({ strategy: "reset_password_email_code", code: ui.resetCode.value });
  } catch (err) {
    showError(ui.resetCodeForm, "reset-code", err);
    return;
  } finally {
    setBusy(ui.resetCodeSubmit, false);
  }
  askNewPassword("Code accepted. Choose a new password: your other sessions will be signed out.");
}

async function submitPassword(event) {
  event.preventDefault();
  if (ui.resetPasswordSubmit.disabled) return;
  clearErrors(ui.resetPasswordForm);
  hideAlert(ui.resetAlert);
  setBusy(ui.resetPasswordSubmit, true, "Saving…");
  try {
    await state.gh.signIn.resetPassword({ password: ui.newPassword.value });
  } catch (err) {
    showError(ui.resetPasswordForm, "new-password", err);
    return;
  } finally {
    setBusy(ui.resetPasswordSubmit, false);
  }
  ui.newPassword.value = "";
  showSignedIn();
}

ui.forgotPassword.addEventListener("click", startReset);
ui.resetCodeForm.addEventListener("submit", submitCode);
ui.resetPasswordForm.addEventListener("submit", submitPassword);
ui.resetLink.addEventListener("click", emailLink);
ui.steps.reset.querySelector("[data-go]")?.addEventListener("click", stopWaiting);
