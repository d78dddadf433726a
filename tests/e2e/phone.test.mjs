// A sign-up that also gives a phone number: the email code, then the SMS
// code, both read from the dev outbox panel.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, uniquePhone, e164, waitForDetails, fillDetails,
  codeFromOutbox, outboxPanel, screenshot, progressText, expectDone,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("sign up with an email and a phone number, verifying both codes", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    const email = uniqueEmail("phone");
    const phone = uniquePhone();
    await fillDetails(page, { email, phone, password: "a long enough password" });
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
    await page.getByRole("button", { name: "Verify", exact: true }).click();

    await page.getByRole("heading", { level: 1, name: "Verify your phone number" }).waitFor();
    assert.equal(await progressText(page), "Step 2 of 3 — Verify your phone number");
    await page.getByText(`We sent a 6-digit code to ${e164(phone)}`).waitFor();
    assert.ok(await page.getByRole("status").getByText("Email address verified.").isVisible());

    // The SMS shows in the panel with its channel.
    const sms = outboxPanel(page).getByRole("listitem").filter({ hasText: e164(phone) }).first();
    const code = await codeFromOutbox(page, e164(phone));
    assert.ok(await sms.getByText("SMS", { exact: true }).isVisible());
    await screenshot(page, "phone-2-verify-phone");

    await page.getByLabel("Verification code").fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context);
    await screenshot(page, "phone-3-done");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
