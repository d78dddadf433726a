// What a person sees when something is wrong: a wrong code, a missing or
// invalid field, and a resend asked for too early.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, codesFromApi,
  screenshot, fieldError, expectDone, eventually, BASE_URL, detailsForm,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Fills the form and gets to the email code step. */
async function toVerifyStep(page, email) {
  await waitForDetails(page);
  await fillDetails(page, { email, password: "a long enough password" });
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
}

test("a wrong code shows an error next to the code input, then the right one passes", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    const email = uniqueEmail("wrong-code");
    await toVerifyStep(page, email);
    const code = await codeFromOutbox(page, email);
    const wrong = code.replace(/^\d/, (d) => String((Number(d) + 1) % 10));

    const input = page.getByLabel("Verification code");
    await input.fill(wrong);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    const message = await eventually(() => fieldError(page, input), { message: "the code error" });
    assert.match(message, /incorrect/i);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    // Still on the code step, with the code selected for retyping.
    assert.ok(await page.getByRole("heading", { level: 1, name: "Verify your email" }).isVisible());
    await screenshot(page, "error-wrong-code");

    await input.fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a missing email is reported next to the email field", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    await fillDetails(page, { firstName: "Grace", password: "a long enough password" });
    await page.getByRole("button", { name: "Continue" }).click();

    const email = page.getByLabel("Email address");
    const message = await eventually(() => fieldError(page, email), { message: "the email error" });
    assert.equal(message, "Enter your email address.");
    assert.equal(await email.getAttribute("aria-invalid"), "true");
    // Nothing else is flagged, and the page stays on the details step.
    assert.equal(await fieldError(page, detailsForm(page).getByLabel("Password", { exact: true })), null);
    assert.ok(await page.getByRole("heading", { level: 1, name: "Create your account" }).isVisible());
    // Focus moves to the field to fix.
    assert.ok(await email.evaluate((el) => el === document.activeElement));
    await screenshot(page, "error-missing-email");

    // Fixing it clears the error and moves on.
    await email.fill(uniqueEmail("missing"));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("an invalid email and a short password are reported next to their fields", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    await fillDetails(page, { email: "not-an-email", password: "a long enough password" });
    await page.getByRole("button", { name: "Continue" }).click();
    const email = page.getByLabel("Email address");
    const message = await eventually(() => fieldError(page, email), { message: "the email error" });
    assert.match(message, /valid email address/i);
    await screenshot(page, "error-invalid-email");

    await fillDetails(page, { email: uniqueEmail("short"), password: "short" });
    await page.getByRole("button", { name: "Continue" }).click();
    const password = detailsForm(page).getByLabel("Password", { exact: true });
    const pwMessage = await eventually(() => fieldError(page, password), { message: "the password error" });
    assert.match(pwMessage, /at least 8 characters/i);
    assert.equal(await fieldError(page, email), null, "the fixed email is no longer flagged");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("resend is disabled with a countdown right after a code is sent", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    const email = uniqueEmail("resend");
    await toVerifyStep(page, email);
    await codeFromOutbox(page, email);

    const resend = page.getByRole("button", { name: /^Resend code in \d+s$/ });
    await resend.waitFor();
    assert.ok(await resend.isDisabled());
    const first = Number((await resend.textContent()).match(/(\d+)s/)[1]);
    assert.ok(first > 20 && first <= 30, `countdown starts near 30 s (got ${first})`);
    await eventually(async () => {
      const now = Number((await resend.textContent()).match(/(\d+)s/)[1]);
      return now < first;
    }, { timeout: 5_000, message: "the countdown to tick" });
    await screenshot(page, "verify-resend-countdown");

    // Only one code went out.
    assert.equal((await codesFromApi(email)).length, 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("resend honours the server's Retry-After when asked too early", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser, { goto: false });
  try {
    // The page's clock runs ahead of the server's: the button re-enables
    // after the page's 30 s while the server still refuses for a while.
    await page.clock.install();
    await page.goto(`${BASE_URL}/`);
    const email = uniqueEmail("retry-after");
    await toVerifyStep(page, email);
    const code = await codeFromOutbox(page, email);

    // Let the server's 30 s run down a little, so its Retry-After is
    // visibly shorter than the page's own 30 s.
    await page.waitForTimeout(3_000);
    await page.clock.fastForward("00:31");
    const resend = page.getByRole("button", { name: "Resend code", exact: true });
    await eventually(() => resend.isEnabled(), { message: "resend to be enabled" });
    await resend.click();

    // The server answers 429 with Retry-After; the page counts that down.
    const alert = page.getByRole("alert").filter({ hasText: "moments ago" });
    await alert.waitFor();
    const countdown = page.getByRole("button", { name: /^Resend code in \d+s$/ });
    await countdown.waitFor();
    assert.ok(await countdown.isDisabled());
    const left = Number((await countdown.textContent()).match(/(\d+)s/)[1]);
    assert.ok(left > 5 && left <= 28, `counts down the server's Retry-After, not 30 s (got ${left})`);
    await screenshot(page, "verify-retry-after");
    assert.equal((await codesFromApi(email)).length, 1, "no second code was sent");

    // The first code still works.
    await page.getByLabel("Verification code").fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("going back to fix a detail keeps the code already sent", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    const email = uniqueEmail("back");
    await toVerifyStep(page, email);
    const code = await codeFromOutbox(page, email);

    await page.getByRole("button", { name: "Use a different email" }).click();
    await waitForDetails(page);
    // The form still holds what was typed; focus is on the email to change.
    assert.equal(await page.getByLabel("Email address").inputValue(), email);
    await page.getByLabel("First name").fill("Katherine");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await page.getByText(`We sent a 6-digit code to ${email}`).waitFor();
    assert.equal((await codesFromApi(email)).length, 1, "no second code was sent");
    await page.getByLabel("Verification code").fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context);
    assert.ok(await page.getByText("Welcome, Katherine.").isVisible());
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("after five wrong codes the page asks for a new code", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    const email = uniqueEmail("five-wrong");
    await toVerifyStep(page, email);
    const code = await codeFromOutbox(page, email);
    const wrong = code.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    const input = page.getByLabel("Verification code");
    const verify = page.getByRole("button", { name: "Verify", exact: true });
    for (let i = 0; i < 5; i++) {
      await input.fill(wrong);
      await verify.click();
      await eventually(() => fieldError(page, input), { message: `error ${i + 1}` });
      await eventually(() => verify.isEnabled(), { message: "verify to be enabled again" });
    }
    // Even the right code is refused now, with a message saying what to do.
    await input.fill(code);
    await verify.click();
    const message = await eventually(async () => {
      const text = await fieldError(page, input);
      return text && /new code/i.test(text) ? text : null;
    }, { message: "the verification_failed error" });
    assert.match(message, /Too many wrong codes/);
    await screenshot(page, "error-too-many-codes");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
