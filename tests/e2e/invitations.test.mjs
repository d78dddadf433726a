// Invitations in the demo: the dev panel's "Invite someone" sends a link to
// the outbox; opened in a fresh browser it starts the ticket sign-up, which
// ends on the done step. On an invitation-only instance the page says so
// instead of showing the form, and invitation links still work there.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, detailsForm, inviteFromPanel, inviteByApi,
  outboxMessage, screenshot, expectDone, fieldError, eventually, RESTRICTED_URL,
  requireServer,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("an invitation link from the outbox, opened in a fresh browser, completes a sign-up", { timeout: 90_000 }, async () => {
  const inviter = await openPage(browser);
  const invitee = await openPage(browser, { goto: false });
  try {
    await waitForDetails(inviter.page);
    const email = uniqueEmail("invited");
    const link = await inviteFromPanel(inviter.page, email);
    assert.ok(await outboxMessage(inviter.page, email).getByText("You are invited").isVisible());
    await screenshot(inviter.page, "invite-1-dev-panel");

    // Someone else, elsewhere: no cookie of the inviter's.
    const { page, context } = invitee;
    await page.goto(link);
    const details = page.getByRole("region", { name: "You’re invited" });
    await details.getByRole("heading", { level: 1, name: "You’re invited" }).waitFor();
    await details.getByText(`Create your account for ${email}.`).waitFor();
    // The email is the invitation's: no field for it, nothing to verify.
    assert.equal(await detailsForm(page).getByLabel("Email address").count(), 0);
    const password = detailsForm(page).getByLabel("Password", { exact: true });
    assert.equal(await password.getAttribute("aria-required"), "true");
    await screenshot(page, "invite-2-invited");

    // Submitting without the password says so next to it.
    await page.getByRole("button", { name: "Continue" }).click();
    assert.equal(await eventually(() => fieldError(page, password), { message: "the password error" }), "Choose a password.");
    await detailsForm(page).getByLabel("First name").fill("Arya");
    await password.fill("Needle#W1nterfell");
    await page.getByRole("button", { name: "Continue" }).click();

    const { userId, sessionId } = await expectDone(page, context);
    assert.match(userId, /^user_/);
    assert.match(sessionId, /^sess_/);
    assert.ok(await page.getByText(`Welcome, Arya. Your account for ${email} is ready`).isVisible());
    assert.ok(!page.url().includes("__gh_ticket"), "the used ticket leaves the address");
    await screenshot(page, "invite-3-done");

    // The link is used up: opened again, it says so.
    const again = await openPage(browser, { goto: false });
    try {
      await again.page.goto(link);
      await again.page.getByRole("heading", { level: 1, name: "This invitation can’t be used" }).waitFor();
      assert.deepEqual(again.problems, []);
    } finally {
      await again.context.close();
    }
    assert.deepEqual(inviter.problems, []);
    assert.deepEqual(invitee.problems, []);
  } finally {
    await inviter.context.close();
    await invitee.context.close();
  }
});

test("an invitation-only instance says so instead of the form", { timeout: 60_000 }, async () => {
  requireServer(RESTRICTED_URL, "GATEHOUSE_E2E_RESTRICTED_URL");
  const { context, page, problems } = await openPage(browser, { base: RESTRICTED_URL });
  try {
    const notice = page.getByRole("region", { name: "Invitation only" });
    await notice.getByRole("heading", { level: 1, name: "Invitation only" }).waitFor();
    await notice.getByText("New accounts on this instance are by invitation only.").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Create your account" }).count(), 0);
    assert.equal(await page.getByRole("textbox", { name: "Email address" }).count(), 0);
    assert.ok(await notice.getByRole("button", { name: "Sign in" }).isVisible());
    await screenshot(page, "restricted-1-invitation-only");

    // "Create an account" from the sign-in step comes back here.
    await notice.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: "Create an account" }).click();
    await notice.getByRole("heading", { level: 1, name: "Invitation only" }).waitFor();

    // An invitation link works there.
    const email = uniqueEmail("restricted");
    await page.goto(await inviteByApi(email, RESTRICTED_URL));
    await page.getByRole("heading", { level: 1, name: "You’re invited" }).waitFor();
    await detailsForm(page).getByLabel("Password", { exact: true }).fill("Needle#W1nterfell");
    await page.getByRole("button", { name: "Continue" }).click();
    await expectDone(page, context, RESTRICTED_URL);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
