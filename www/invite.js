// The dev panel's "Invite someone": POST /v1/dev/invitations, the dev-mode
// twin of the admin API's invitation (no secret key; the server has it only
// with --dev). The invitation email, with its link, lands in the outbox.

import { clearErrors, showFieldError } from "./fields.js";

/** What to say when the server refuses an invitation. */
function refusal(error, status) {
  switch (error?.code) {
    case "form_identifier_exists":
      return "This email address already has an account or a pending invitation.";
    case "form_param_format_invalid":
    case "form_param_missing":
      return "Enter a valid email address, like name@example.com.";
    case "rate_limited":
      return "Too many requests. Wait a moment and try again.";
    default:
      return error?.message ?? `The server answered with status ${status}.`;
  }
}

/**
 * Wires the invite form of the outbox panel.
 * @param {string} origin the server's origin, e.g. location.origin
 * @param {{ refresh(): Promise<void> }} outbox the panel, refreshed after a send
 */
export function setUpInvite(origin, outbox) {
  const form = document.getElementById("invite-form");
  const input = document.getElementById("invite-email");
  const submit = document.getElementById("invite-submit");
  const status = document.getElementById("invite-status");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors(form);
    status.textContent = "";
    const email = input.value.trim();
    if (email === "") {
      showFieldError(form, "invite-email", "Enter the email address to invite.");
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const response = await fetch(`${origin}/v1/dev/invitations`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        showFieldError(form, "invite-email", refusal(body?.errors?.[0], response.status));
        input.focus();
        return;
      }
      status.textContent = `Invitation sent to ${body.email}. Its link is in the outbox below.`;
      input.value = "";
      await outbox.refresh();
    } catch {
      showFieldError(form, "invite-email", "We couldn’t reach the server. Try again.");
    } finally {
      submit.disabled = false;
    }
  });
}
