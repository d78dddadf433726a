// The sign-in step: an email or username and a password; wrong ones are
// explained next to their input, and a success shows the signed-in view
// (or, with two-step verification on, the second step first).

import { clearErrors, showFieldError } from "../fields.js";
import { generalMessage } from "../errors.js";
import { ui, showStep, showAlert, hideAlert, setBusy } from "../ui.js";
import { state } from "../state.js";
import { stopVerifying } from "./verify.js";
import { showSignedIn } from "./signed-in.js";
import { showSecondFactor } from "./second-factor.js";

/** Shows the sign-in form, with an optional notice above it. */
export function showSignIn({ notice } = {}) {
  stopVerifying();
  clearErrors(ui.signInForm);
  hideAlert(ui.signInAlert);
  ui.signInNotice.textContent = notice ?? "";
  showStep("signIn");
  (ui.identifier.value ? ui.password : ui.identifier).focus();
}

/** What to say about a sign-in error next to its field. */
function signInMessage(err) {
  switch (err.code) {
    case "form_identifier_not_found": return "No account uses this email address or username.";
    case "form_password_incorrect": return "That password isn’t right. Check it and try again.";
    case "form_param_format_invalid": return "Enter a valid email address or username.";
    case "form_param_missing":
      return err.meta?.paramName === "password" ? "Enter your password." : "Enter your email address or username.";
    default: return err.message;
  }
}

async function submitSignIn(event) {
  event.preventDefault();
  if (ui.signInSubmit.disabled) return;
  const form = ui.signInForm;
  clearErrors(form);
  hideAlert(ui.signInAlert);
  ui.signInNotice.textContent = "";
  const identifier = ui.identifier.value.trim();
  const password = ui.password.value;
  const missing = [
    !identifier && showFieldError(form, "identifier", "Enter your email address or username."),
    !password && showFieldError(form, "current-password", "Enter your password."),
  ].find(Boolean);
  if (missing) return missing.focus();

  setBusy(ui.signInSubmit, true, "Signing in…");
  try {
    await state.gh.signIn.create({ identifier, password });
  } catch (err) {
    setBusy(ui.signInSubmit, false);
    // The SDK names the field at fault; this form's password input is "current-password".
    const inputs = { identifier: "identifier", password: "current-password" };
    const list = Array.isArray(err?.errors) && err.errors.length ? err.errors : [err];
    let first = null;
    const general = [];
    for (const e of list) {
      const input = inputs[e?.meta?.paramName] && showFieldError(form, inputs[e.meta.paramName], signInMessage(e));
      if (input) first ??= input;
      else general.push(generalMessage(e));
    }
    if (general.length) showAlert(ui.signInAlert, [...new Set(general)].join(" "));
    if (!(err && err.name === "GatehouseError")) console.error(err);
    (first ?? ui.signInAlert).focus?.();
    first?.select?.();
    return;
  }
  setBusy(ui.signInSubmit, false);
  ui.password.value = "";
  // With two-step verification on, the sign-in waits for a code first.
  if (state.gh.signIn.status === "needs_second_factor") return showSecondFactor();
  showSignedIn();
}

ui.signInForm.addEventListener("submit", submitSignIn);
// The sign-in form's Show/Hide password button.
for (const toggle of ui.signInForm.querySelectorAll(".reveal")) {
  toggle.addEventListener("click", () => {
    const shown = ui.password.type === "text";
    ui.password.type = shown ? "password" : "text";
    toggle.textContent = shown ? "Show" : "Hide";
    toggle.setAttribute("aria-pressed", String(!shown));
  });
}
