// Step 3, done: the new account's user and session ids, and a way to
// create another account.

import { state } from "../state.js";
import { $, ui, showStep } from "../ui.js";
import { startOver } from "./details.js";
import { forgetTicket } from "./invitation.js";
import { showSignedIn } from "./signed-in.js";
import { stopVerifying } from "./verify.js";

/**
 * Shows the completed sign-up (`state.signUp`); where a second factor is
 * required, its session waits for one, so the signed-in view asks for it.
 */
export function showDone() {
  stopVerifying();
  forgetTicket();
  if (state.gh.session?.status === "pending") return showSignedIn();
  const s = state.signUp;
  ui.doneUser.textContent = s.createdUserId ?? "—";
  ui.doneSession.textContent = s.createdSessionId ?? "—";
  const who = s.emailAddress ?? s.phoneNumber ?? s.username;
  ui.doneDesc.textContent = [
    s.firstName ? `Welcome, ${s.firstName}.` : "Welcome.",
    who ? `Your account for ${who} is ready` : "Your account is ready",
    "and you’re signed in on this device.",
  ].join(" ");
  showStep("done", "Done");
  $("done-title").focus();
}

ui.startOver.addEventListener("click", startOver);
