// Step 1, the details: the form of the fields the environment asks for,
// creating (or updating) the sign-up from it, and deciding where the
// sign-up goes next (its missing fields, a verification, or done).

import { camel, renderFields, readParams, clearErrors, showFieldError, missingMessage, fieldLabel } from "../fields.js";
import { showErrors } from "../errors.js";
import { state } from "../state.js";
import { ui, showStep, showAlert, hideAlert, setBusy, showNotice } from "../ui.js";
import { VERIFY, beginVerification } from "./verify.js";
import { showDone } from "./done.js";

/** Renders the details form for a plain sign-up (not an invitation). */
export function setUpDetails() {
  state.fieldNames = renderFields(ui.fields, state.env);
  ui.detailsTitle.textContent = "Create your account";
  ui.detailsLede.textContent = "Sign up in a minute. We’ll send you a code to confirm it’s you.";
  ui.detailsIcon.replaceChildren();
}

/** The sign-up form, or "invitation only" when the instance takes no other sign-ups. */
export function showSignUp() {
  if (state.env.signUp.mode === "restricted" && !state.ticket) {
    return showNotice(
      "Invitation only",
      "New accounts on this instance are by invitation only. If you were invited, open the link in your invitation email.",
    );
  }
  hideAlert(ui.detailsAlert);
  showStep("details", "Your details");
  ui.detailsForm.querySelector("input")?.focus();
}

/** Forgets the sign-up and shows an empty details form. */
export function startOver() {
  state.signUp = null;
  state.ticket = null;
  setUpDetails();
  ui.detailsForm.reset();
  clearErrors(ui.detailsForm);
  showSignUp();
}

async function submitDetails(event) {
  event.preventDefault();
  if (ui.detailsSubmit.disabled) return;
  const form = ui.detailsForm;
  clearErrors(form);
  hideAlert(ui.detailsAlert);
  const params = readParams(form, state.fieldNames);

  setBusy(ui.detailsSubmit, true, "Creating account…");
  try {
    // Back from the code step with nothing removed: update the same
    // sign-up, so a code already sent (to an unchanged address) still
    // works. Otherwise start afresh: a field cannot be un-supplied, and the
    // server abandons the client's earlier sign-up.
    // From an invitation, a new start keeps the ticket.
    const ticket = state.ticket ? { strategy: "ticket", ticket: state.ticket } : {};
    state.signUp = canUpdate(state.signUp, params)
      ? await state.signUp.update(params)
      : await state.gh.signUp.create({ ...params, ...ticket });
  } catch (err) {
    setBusy(ui.detailsSubmit, false);
    const first = showErrors(form, ui.detailsAlert, err);
    (first ?? ui.detailsAlert).focus?.();
    return;
  }
  setBusy(ui.detailsSubmit, false);
  continueSignUp();
}

/** Whether `params` can go to the current sign-up as an update. */
function canUpdate(signUp, params) {
  if (!signUp || signUp.status !== "missing_requirements") return false;
  return state.fieldNames.every((name) => {
    const key = camel(name);
    if (key in params) return true;
    if (name === "password") return !signUp.hasPassword;
    if (name === "legal_accepted") return !signUp.legalAccepted;
    return signUp[key] == null;
  });
}

/** Reports the sign-up's missing fields next to them. */
function reportMissing(missing) {
  const form = ui.detailsForm;
  let first = null;
  const elsewhere = [];
  for (const name of missing) {
    const input = showFieldError(form, name, missingMessage(name));
    if (input) first ??= input;
    else elsewhere.push(fieldLabel(name));
  }
  if (elsewhere.length) {
    showAlert(ui.detailsAlert, `Still needed: ${elsewhere.join(", ")}.`);
  }
  showStep("details", "Your details");
  first?.focus();
}

/** Goes wherever the sign-up needs to go next. */
export function continueSignUp() {
  const signUp = state.signUp;
  if (signUp.status === "complete") return showDone();
  if (signUp.missingFields.length) return reportMissing(signUp.missingFields);
  const next = signUp.unverifiedFields.find((f) => VERIFY[f]);
  if (next) return beginVerification(next);
  showStep("details", "Your details");
  showAlert(
    ui.detailsAlert,
    signUp.unverifiedFields.length
      ? `This page can’t verify ${signUp.unverifiedFields.map(fieldLabel).join(", ")} yet.`
      : "The sign-up couldn’t be completed. Please try again.",
  );
}

ui.detailsForm.addEventListener("submit", submitDetails);
