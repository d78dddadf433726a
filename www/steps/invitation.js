// A page opened from an invitation link (`?__gh_ticket=`): the sign-up
// starts with the ticket, the details step then asks for the rest, and a
// ticket that can't be used gets a notice that says why.

import { state } from "../state.js";
import { ui, ICONS, showNotice } from "../ui.js";
import { showSignUp } from "./details.js";
import { showDone } from "./done.js";

/** The query parameter of an invitation link. */
export const TICKET_PARAM = "__gh_ticket";

/** The ticket in this page's address, if it was opened from an invitation link. */
export function ticketInAddress() {
  return new URLSearchParams(location.search).get(TICKET_PARAM);
}

/**
 * Opened from an invitation link: start the sign-up with its ticket (the
 * server fills in the invited email, already verified), then ask for the
 * rest on the details step.
 */
export async function startInvitation(ticket) {
  let signUp;
  try {
    signUp = await state.gh.signUp.create({ strategy: "ticket", ticket });
  } catch (err) {
    return invitationFailed(err);
  }
  state.ticket = ticket;
  state.signUp = signUp;
  // The email is the invitation's: the form asks for everything else.
  ui.fields.querySelector('[data-field="email_address"]')?.remove();
  state.fieldNames = state.fieldNames.filter((name) => name !== "email_address");
  ui.detailsTitle.textContent = "You’re invited";
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = signUp.emailAddress;
  ui.detailsLede.replaceChildren(
    "Create your account for ", strong, ". Your invitation already confirmed this email address.",
  );
  ui.detailsIcon.innerHTML = ICONS.invite;
  if (signUp.status === "complete") return showDone();
  showSignUp();
}

function invitationFailed(err) {
  if (!err || err.name !== "GatehouseError") console.error(err);
  const [title, message] = {
    ticket_expired: ["This invitation has expired", "Ask the person who invited you for a new invitation."],
    form_identifier_exists: ["You already have an account", "An account with the invited email address exists. Sign in instead."],
    network_error: ["We can’t reach Gatehouse", "The sign-up service isn’t answering right now. Reload the page to try again."],
  }[err?.code] ?? [
    "This invitation can’t be used",
    "The link is not valid, was already used, or the invitation was withdrawn. Ask for a new invitation.",
  ];
  showNotice(title, message, { signUp: state.env.signUp.mode !== "restricted" });
}

/** Takes the used ticket out of the address, so a reload starts afresh. */
export function forgetTicket() {
  if (!new URLSearchParams(location.search).has(TICKET_PARAM)) return;
  const url = new URL(location.href);
  url.searchParams.delete(TICKET_PARAM);
  history.replaceState(history.state, "", url);
}
