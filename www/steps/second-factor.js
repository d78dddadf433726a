// Sign-in, second step: the password (or a reset) was right and the user
// has two-step verification on, so `gh.signIn` waits at
// `needs_second_factor` until a code from the authenticator app (`totp`)
// or one of the backup codes (`backup_code`) completes it.

import { clearErrors, showFieldError } from "../fields.js";
import { showErrors } from "../errors.js";
import { state } from "../state.js";
import { ui, showStep, hideAlert, setBusy } from "../ui.js";
import { showSignedIn } from "./signed-in.js";

/** How each strategy is asked for. */
const STRATEGIES = {
  totp: {
    label: "Code from your authenticator app",
    lede: "Your account has two-step verification on. Open your authenticator app and enter the 6-digit code it shows for Gatehouse.",
    hint: "The code changes every 30 seconds.",
    format: /^\d{6}$/,
    formatMessage: "Enter the 6 digits of the code from your app.",
    other: "Use a backup code instead",
  },
  backup_code: {
    label: "Backup code",
    lede: "Enter one of the backup codes you saved when you turned on two-step verification. Each code works once.",
    hint: "10 letters and digits.",
    format: /^[a-z0-9]{10}$/i,
    formatMessage: "Enter one of your 10-character backup codes.",
    other: "Use your authenticator app instead",
  },
};

/** The strategy being asked for. */
let strategy = "totp";

/** Shows the second step of the sign-in in `gh.signIn` (status `needs_second_factor`). */
export function showSecondFactor() {
  const supported = (state.gh.signIn.supportedSecondFactors ?? []).map((f) => f.strategy);
  ask(supported.includes("totp") || !supported.length ? "totp" : supported[0]);
  // "Use a backup code instead" when the sign-in takes both.
  ui.secondFactorSwitch.parentElement.hidden = !(supported.includes("totp") && supported.includes("backup_code"));
  showStep("secondFactor");
  ui.secondFactorCode.focus();
}

/** Sets the form up for `next`, empty and without errors. */
function ask(next) {
  strategy = next;
  const info = STRATEGIES[next];
  const input = ui.secondFactorCode;
  clearErrors(ui.secondFactorForm);
  hideAlert(ui.secondFactorAlert);
  ui.secondFactorDesc.textContent = info.lede;
  ui.secondFactorLabel.textContent = info.label;
  ui.secondFactorHint.textContent = info.hint;
  ui.secondFactorSwitch.textContent = info.other;
  input.value = "";
  // Six digits in the big code box; a backup code is letters and digits.
  input.className = next === "totp" ? "code-input" : "input backup-code-input";
  input.inputMode = next === "totp" ? "numeric" : "text";
  if (next === "totp") input.maxLength = 6;
  else input.removeAttribute("maxlength");
  input.autocomplete = next === "totp" ? "one-time-code" : "off";
}

async function submit(event) {
  event.preventDefault();
  if (ui.secondFactorSubmit.disabled) return;
  const form = ui.secondFactorForm;
  const input = ui.secondFactorCode;
  clearErrors(form);
  hideAlert(ui.secondFactorAlert);
  const code = input.value.replace(/\s+/g, "");
  const info = STRATEGIES[strategy];
  if (!info.format.test(code)) {
    showFieldError(form, input.id, code ? info.formatMessage : `Enter your ${info.label.toLowerCase()}.`);
    input.focus();
    return;
  }
  setBusy(ui.secondFactorSubmit, true, "Verifying…");
  try {
    await state.gh.signIn.attemptSecondFactor({ strategy, code });
  } catch (err) {
    setBusy(ui.secondFactorSubmit, false);
    const first = showErrors(form, ui.secondFactorAlert, err, {
      fallbackParam: err?.code === "form_code_incorrect" ? "code" : undefined,
      inputs: { code: input.id },
    });
    (first ?? ui.secondFactorAlert).focus?.();
    input.select();
    return;
  }
  setBusy(ui.secondFactorSubmit, false);
  input.value = "";
  showSignedIn();
}

ui.secondFactorForm.addEventListener("submit", submit);
ui.secondFactorSwitch.addEventListener("click", () => {
  ask(strategy === "totp" ? "backup_code" : "totp");
  ui.secondFactorCode.focus();
});
// Digits only in the authenticator's code box; a pasted "123 456" still works.
ui.secondFactorCode.addEventListener("input", () => {
  if (strategy !== "totp") return;
  const digits = ui.secondFactorCode.value.replace(/\D+/g, "").slice(0, 6);
  if (digits !== ui.secondFactorCode.value) ui.secondFactorCode.value = digits;
});
