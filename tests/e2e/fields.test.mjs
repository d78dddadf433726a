// The form follows the instance's settings: on a server configured with a
// required username, required terms and a required first name, and no
// phone number, the page asks for exactly those.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot,
  fieldError, eventually, expectDone, detailsForm, CUSTOM_URL, requireServer,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the fields follow the environment, and missing ones are reported", { timeout: 90_000 }, async () => {
  requireServer(CUSTOM_URL, "GATEHOUSE_E2E_CUSTOM_URL");
  const { context, page, problems } = await openPage(browser, { base: CUSTOM_URL });
  try {
    await waitForDetails(page);
    // Asked for: username, terms; first name now required. Not asked: phone.
    const username = detailsForm(page).getByLabel("Username");
    const terms = page.getByRole("checkbox", { name: /I accept the Terms of Service/ });
    assert.ok(await username.isVisible());
    assert.ok(await terms.isVisible());
    assert.equal(await page.getByLabel("Phone number").count(), 0, "no phone field");
    assert.equal(await page.getByLabel("First name (optional)").count(), 0, "first name is not optional");
    assert.equal(await page.getByLabel("First name").getAttribute("aria-required"), "true");
    assert.ok(await page.getByLabel("Last name (optional)").isVisible());
    assert.equal(await terms.getAttribute("aria-required"), "true");
    await screenshot(page, "custom-1-details");

    // Leave the first name and the terms out: both are reported where they are.
    const email = uniqueEmail("custom");
    const name = `ada_${Date.now().toString(36)}`;
    await fillDetails(page, { email, password: "a long enough password" });
    await username.fill(name);
    await page.getByRole("button", { name: "Continue" }).click();
    const firstName = page.getByLabel("First name");
    assert.equal(await eventually(() => fieldError(page, firstName), { message: "first name error" }),
      "Enter your first name.");
    assert.equal(await fieldError(page, terms), "Accept the terms to continue.");
    assert.equal(await fieldError(page, username), null);
    await screenshot(page, "custom-1-missing");

    await firstName.fill("Ada");
    await terms.check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context, CUSTOM_URL);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
