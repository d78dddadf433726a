// The main path: a person signs up with an email code read from the dev
// outbox panel, and ends on the done step with their user and session ids.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, outboxPanel,
  screenshot, progressText, currentStepName, expectDone, detailsForm,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("sign up with an email code read from the dev outbox", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    assert.equal(await progressText(page), "Step 1 of 3 — Your details");
    assert.match(await currentStepName(page), /^Details/);

    // The fields the default environment asks for, each with a real label;
    // optional ones say so, required ones are marked required.
    for (const name of ["First name", "Last name", "Email address", "Phone number"]) {
      assert.ok(await page.getByLabel(name).isVisible(), `${name} is shown`);
    }
    assert.ok(await detailsForm(page).getByLabel("Password", { exact: true }).isVisible());
    assert.ok(await page.getByLabel("First name (optional)").isVisible());
    assert.ok(await page.getByLabel("Phone number (optional)").isVisible());
    assert.equal(await page.getByLabel("Email address").getAttribute("aria-required"), "true");
    assert.equal(await detailsForm(page).getByLabel("Password", { exact: true }).getAttribute("aria-required"), "true");
    assert.ok(await outboxPanel(page).getByRole("heading", { name: "Dev outbox" }).isVisible());
    await screenshot(page, "email-1-details");

    const email = uniqueEmail("email");
    await fillDetails(page, { firstName: "Ada", lastName: "Lovelace", email, password: "correct horse battery" });
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    assert.equal(await progressText(page), "Step 2 of 3 — Verify your email");
    assert.match(await currentStepName(page), /^Verify/);
    await page.getByText(`We sent a 6-digit code to ${email}`).waitFor();

    const code = await codeFromOutbox(page, email);
    await screenshot(page, "email-2-verify");
    await page.getByLabel("Verification code").fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();

    const { userId, sessionId } = await expectDone(page, context);
    assert.match(userId, /^user_/);
    assert.match(sessionId, /^sess_/);
    assert.ok(await page.getByText("Welcome, Ada.").isVisible());
    await screenshot(page, "email-3-done");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
