// Forgot password on the demo: after a sign-up, a second browser signs in
// with the password; the first uses "Forgot password?" with the code from
// the outbox panel, sets a new password and is signed in, and the second
// browser's session is revoked (its next load shows it signed out).
// The link variant: "Email me a link instead", the link opened from the
// outbox in a second page and confirmed there; the first page then asks for
// the new password, and is signed in.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot,
  expectDone, outboxPanel, clientSessions, fieldError, eventually, BASE_URL,
} from "./support.mjs";
import { linkFor, landingHeading } from "./link-support.mjs";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "a brand new passphrase";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Opens the sign-in step of the demo on `page`; answers the step. */
async function openSignIn(page) {
  await waitForDetails(page);
  await page.getByRole("button", { name: "Sign in" }).click();
  const step = page.getByRole("region", { name: "Sign in" });
  await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  return step;
}

test("forgot password: a code, a new password, signed in, the other session revoked", { timeout: 120_000 }, async () => {
  const email = uniqueEmail("reset");
  // Signed up in a first browser.
  const first = await openPage(browser);
  const second = await openPage(browser);
  try {
    await waitForDetails(first.page);
    await fillDetails(first.page, { email, password: PASSWORD });
    await first.page.getByRole("button", { name: "Continue" }).click();
    await first.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    const signUpCodeSentAt = Date.now();
    await first.page.getByLabel("Verification code").fill(await codeFromOutbox(first.page, email));
    await first.page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(first.page, first.context);

    // A second browser signs in with the password: another session.
    const otherStep = await openSignIn(second.page);
    await otherStep.getByLabel("Email or username").fill(email);
    await otherStep.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await otherStep.getByRole("button", { name: "Sign in" }).click();
    const otherSignedIn = second.page.getByRole("region", { name: "You’re signed in" });
    await otherSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    const [otherSession] = await clientSessions(second.context);
    assert.equal(otherSession.status, "active");

    // The first browser signs out, and has forgotten its password.
    await first.page.reload();
    const firstSignedIn = first.page.getByRole("region", { name: "You’re signed in" });
    await firstSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await firstSignedIn.getByRole("button", { name: "Sign out", exact: true }).click();
    const step = first.page.getByRole("region", { name: "Sign in" });
    await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    // Without an email address, the page says what it needs.
    await step.getByRole("button", { name: "Forgot password?" }).click();
    const identifier = step.getByLabel("Email or username");
    assert.equal(await fieldError(first.page, identifier), "Enter your email address to reset your password.");
    await identifier.fill(email);
    // A reset code is an email code: one per address per 30 s, the sign-up's included.
    await new Promise((r) => setTimeout(r, Math.max(0, signUpCodeSentAt + 31_000 - Date.now())));
    await step.getByRole("button", { name: "Forgot password?" }).click();
    const reset = first.page.getByRole("region", { name: "Reset your password" });
    await reset.getByRole("heading", { level: 1, name: "Reset your password" }).waitFor();
    await reset.getByText(email).waitFor();
    await screenshot(first.page, "reset-1-code");

    const message = outboxPanel(first.page).getByRole("listitem")
      .filter({ hasText: email }).filter({ hasText: "password reset code" }).first();
    const code = (await message.getByText(/^\d{6}$/).textContent({ timeout: 15_000 })).trim();
    // A wrong code is said next to its input.
    const codeInput = reset.getByLabel("Reset code");
    await codeInput.fill(code === "000000" ? "111111" : "000000");
    await reset.getByRole("button", { name: "Continue" }).click();
    await eventually(async () => (await fieldError(first.page, codeInput)) === "That code is incorrect. Check it and try again.",
      { message: "the wrong code is explained" });
    await codeInput.fill(code);
    await reset.getByRole("button", { name: "Continue" }).click();

    const newPassword = reset.getByLabel("New password");
    await newPassword.waitFor();
    // Too short: the sign-up rule, next to the input.
    await newPassword.fill("short");
    await reset.getByRole("button", { name: "Set password and sign in" }).click();
    await eventually(async () => /^Use at least \d+ characters\.$/.test((await fieldError(first.page, newPassword)) ?? ""),
      { message: "the password rule is explained" });
    await newPassword.fill(NEW_PASSWORD);
    await screenshot(first.page, "reset-2-new-password");
    await reset.getByRole("button", { name: "Set password and sign in" }).click();
    await firstSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    const sessions = await clientSessions(first.context);
    assert.equal(sessions.length, 1);
    assert.notEqual(sessions[0].id, otherSession.id);
    await screenshot(first.page, "reset-3-signed-in");

    // The notice went out.
    await outboxPanel(first.page).getByRole("listitem").filter({ hasText: email })
      .filter({ hasText: "Your password was changed" }).first().waitFor();

    // The second browser's session is revoked: its next load shows it signed out.
    await second.page.reload();
    await waitForDetails(second.page);
    assert.equal(await otherSignedIn.isVisible(), false);
    assert.deepEqual(await clientSessions(second.context), []);

    // The new password signs in there.
    const again = await openSignIn(second.page);
    await again.getByLabel("Email or username").fill(email);
    await again.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
    await again.getByRole("button", { name: "Sign in" }).click();
    await otherSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.deepEqual(first.problems, []);
    assert.deepEqual(second.problems, []);
  } finally {
    await first.context.close();
    await second.context.close();
  }
});

test("forgot password by link: confirmed in a second page, then a new password, signed in", { timeout: 120_000 }, async () => {
  const email = uniqueEmail("reset-link");
  const first = await openPage(browser);
  try {
    await waitForDetails(first.page);
    await fillDetails(first.page, { email, password: PASSWORD });
    await first.page.getByRole("button", { name: "Continue" }).click();
    await first.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    const signUpCodeSentAt = Date.now();
    await first.page.getByLabel("Verification code").fill(await codeFromOutbox(first.page, email));
    await first.page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(first.page, first.context);
    await first.page.reload();
    const signedIn = first.page.getByRole("region", { name: "You’re signed in" });
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await signedIn.getByRole("button", { name: "Sign out" }).click();
    const step = first.page.getByRole("region", { name: "Sign in" });
    await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await step.getByLabel("Email or username").fill(email);
    // "Forgot password?" sends a reset code first: one email code per address per 30 s.
    await new Promise((r) => setTimeout(r, Math.max(0, signUpCodeSentAt + 31_000 - Date.now())));
    await step.getByRole("button", { name: "Forgot password?" }).click();
    const reset = first.page.getByRole("region", { name: "Reset your password" });
    await reset.getByRole("heading", { level: 1, name: "Reset your password" }).waitFor();
    await reset.getByRole("button", { name: "Email me a link instead" }).click();
    await reset.getByText("Waiting for you to confirm…").waitFor();
    await reset.getByText("we emailed it a link").waitFor();
    await screenshot(first.page, "reset-link-1-waiting");

    // The link, from the outbox, in a second page of the same browser.
    const link = await linkFor(BASE_URL, email);
    const second = await first.context.newPage();
    await second.goto(link);
    await second.getByRole("heading", { level: 1, name: "Reset your password" }).waitFor();
    // Looking changed nothing: the first page still waits.
    assert.equal(await reset.getByText("Waiting for you to confirm…").isVisible(), true);
    await second.getByRole("button", { name: "Confirm" }).click();
    await second.waitForURL(/\/verify\/\?/);
    assert.equal(await landingHeading(second), "Password reset confirmed");
    await second.close();

    // The first page moves on by itself and asks for the new password.
    const newPassword = reset.getByLabel("New password");
    await newPassword.waitFor({ timeout: 15_000 });
    await reset.getByText("Link confirmed. Choose a new password").waitFor();
    await newPassword.fill(NEW_PASSWORD);
    await screenshot(first.page, "reset-link-2-new-password");
    await reset.getByRole("button", { name: "Set password and sign in" }).click();
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.equal((await clientSessions(first.context)).length, 1);
    assert.deepEqual(first.problems, []);
  } finally {
    await first.context.close();
  }
});
