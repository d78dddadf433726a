// Forgot password: from the sign-in step, a reset code to the email typed
// there (`reset_password_email_code`), then a new password, then signed in.
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

/** "Forgot password?": sends a reset code to the email in the sign-in form. */
async function startReset() {
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
  ui.resetDesc.textContent = "Code accepted. Choose a new password: your other sessions will be signed out.";
  ui.resetCodeForm.hidden = true;
  ui.resetPasswordForm.hidden = false;
  ui.newPassword.focus();
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
