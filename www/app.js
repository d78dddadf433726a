// The Gatehouse demo on the Gatehouse SDK: a three-step sign-up (details,
// verify, done), also from an invitation link (`?__gh_ticket=`), and a
// sign-in that ends on a signed-in view (the session, its token, sign out).
// Everything the page knows about the instance comes from `gh.environment`;
// everything it knows about the sign-up, the sign-in and the session comes
// from `gh.signUp`, `gh.signIn` and `gh.session`, which the SDK keeps
// current after every call.
//
// This module is the entry: it loads the SDK and the environment, picks the
// first step, and wires the buttons that move between steps. Each step
// lives in steps/; the shared helpers in ui.js, errors.js and state.js.

import { Outbox } from "./outbox.js";
import { setUpInvite } from "./invite.js";
import { SDK_URL, importSdk } from "./sdk.js";
import { state } from "./state.js";
import { $, ui, showStep } from "./ui.js";
import { setUpDetails, showSignUp, startOver } from "./steps/details.js";
import { startInvitation, forgetTicket, ticketInAddress } from "./steps/invitation.js";
import { showSignIn } from "./steps/sign-in.js";
import "./steps/reset.js";
import { showSignedIn } from "./steps/signed-in.js";

async function start() {
  showStep("loading");
  if (!state.sdk) {
    try {
      state.sdk = await importSdk();
    } catch (err) {
      console.error(err);
      return failed(
        "The sign-up module didn’t load.",
        `Couldn’t load ${SDK_URL}. Build the SDK (scripts/build-pkg.sh) and start the server with --pkg pkg.`,
        true,
      );
    }
  }
  try {
    state.gh = await state.sdk.Gatehouse.load({ frontendApi: location.origin });
  } catch (err) {
    console.error(err);
    return failed(
      err?.code === "network_error"
        ? "The sign-up service isn’t answering right now. Check your connection and try again."
        : "The sign-up service answered with an error.",
      err?.message ? `${err.message}${err.code ? ` (${err.code})` : ""}` : "",
      false,
    );
  }
  state.env = state.gh.environment;
  setUpDetails();
  if (state.env.devMode && !state.outbox) {
    ui.devBadge.hidden = false;
    state.outbox = new Outbox(location.origin);
    state.outbox.start();
    setUpInvite(location.origin, state.outbox);
  }
  const ticket = ticketInAddress();
  if (ticket) return startInvitation(ticket);
  if (state.gh.session) return showSignedIn();
  showSignUp();
}

/** The page could not start: says why, with a way to try again. */
function failed(message, detail, reloadPage) {
  ui.failedMessage.textContent = message;
  ui.failedDetail.textContent = detail;
  ui.failedDetail.hidden = !detail;
  ui.retryLoad.onclick = reloadPage ? () => location.reload() : () => start();
  showStep("failed");
  $("failed-title").focus();
}

ui.noticeSignUp.addEventListener("click", () => {
  state.ticket = null;
  forgetTicket();
  startOver();
});
for (const button of document.querySelectorAll("[data-go]")) {
  button.addEventListener("click", () => (button.dataset.go === "sign-in" ? showSignIn() : showSignUp()));
}

start();
