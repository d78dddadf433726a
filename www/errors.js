// How the page words an SDK error: next to the field it names, or in the
// form's alert for errors that belong to no field.

import { errorMessage, showFieldError } from "./fields.js";
import { state } from "./state.js";
import { showAlert } from "./ui.js";

/** A message for errors that belong to no field. */
export function generalMessage(err) {
  switch (err?.code) {
    case "network_error":
      return "We couldn’t reach the server. Check your connection and try again.";
    case "rate_limited":
      return err.retryAfter
        ? `Too many attempts. Try again in ${err.retryAfter} seconds.`
        : "Too many attempts. Wait a moment and try again.";
    case "response_invalid":
    case "internal_error":
      return "Something went wrong on our side. Please try again.";
    case "sign_up_not_found":
    case "sign_up_not_modifiable":
      return "This sign-up has expired or was replaced. Go back and submit your details again.";
    case "sign_up_cancelled_by_owner":
      return "The owner of this email address said they didn’t start this sign-up. No account was created.";
    case "ticket_invalid":
      return "This invitation can no longer be used: it was withdrawn, replaced or already used.";
    case "ticket_expired":
      return "This invitation has expired. Ask for a new one.";
    case "sign_up_restricted":
      return "New accounts are by invitation only.";
    case "session_not_found":
      return "This session has ended. Sign in again.";
    case "sign_in_not_found":
    case "sign_in_status_invalid":
      return "This sign-in has expired. Go back and sign in again.";
    case "totp_already_enabled":
      return "Two-step verification is already on for your account.";
    case "totp_not_found":
      return "Two-step verification isn’t set up for your account.";
    case "mfa_required":
      return "Two-step verification is required here, so it can’t be turned off.";
    case "session_pending":
      return "Turn on two-step verification first to finish signing in.";
    case undefined:
      return "Something unexpected happened. Please try again.";
    default:
      return err.message || "Something went wrong. Please try again.";
  }
}

/**
 * Shows an SDK error: each error with a param next to its field, the rest
 * in the form's alert. Returns the first input that got an error.
 * `inputs` maps a param to the id of its input where they differ
 * (`{ code: "second-factor-code" }`).
 */
export function showErrors(form, alert, err, { fallbackParam, inputs = {} } = {}) {
  const list = Array.isArray(err?.errors) && err.errors.length ? err.errors : [err];
  let first = null;
  const general = [];
  for (const e of list) {
    const param = e?.meta?.paramName ?? fallbackParam;
    const input = param ? showFieldError(form, inputs[param] ?? param, errorMessage(e, state.env)) : null;
    if (input) first ??= input;
    else general.push(generalMessage(e));
  }
  if (general.length) showAlert(alert, [...new Set(general)].join(" "));
  if (!(err && err.name === "GatehouseError")) console.error(err);
  return first;
}
