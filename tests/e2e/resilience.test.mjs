// The page under poor conditions: a server that cannot be reached, a
// person using only the keyboard, and a phone-sized screen.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot,
  expectDone, BASE_URL, detailsForm,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const focused = (locator) => locator.evaluate((el) => el === document.activeElement);

test("a server that cannot be reached shows a message, and Try again recovers", { timeout: 60_000 }, async () => {
  const { context, page } = await openPage(browser, { goto: false });
  try {
    // The environment request fails the way a dropped connection does.
    await page.route("**/v1/environment", (route) => route.abort("connectionrefused"));
    await page.goto(`${BASE_URL}/`);
    const heading = page.getByRole("heading", { level: 1, name: "We can’t reach Gatehouse" });
    await heading.waitFor();
    assert.ok(await page.getByText("isn’t answering right now").isVisible());
    await screenshot(page, "error-unreachable");

    await page.unroute("**/v1/environment");
    await page.getByRole("button", { name: "Try again" }).click();
    await waitForDetails(page);
    assert.ok(await page.getByLabel("Email address").isVisible());
  } finally {
    await context.close();
  }
});

test("a network failure while submitting shows a form-level alert", { timeout: 60_000 }, async () => {
  const { context, page } = await openPage(browser);
  try {
    await waitForDetails(page);
    await page.route("**/v1/client/sign_ups", (route) => route.abort("connectionreset"));
    await fillDetails(page, { email: uniqueEmail("offline"), password: "a long enough password" });
    await page.getByRole("button", { name: "Continue" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "couldn’t reach the server" });
    await alert.waitFor();
    assert.ok(await page.getByRole("button", { name: "Continue" }).isEnabled());
  } finally {
    await context.close();
  }
});

test("the whole sign-up works with the keyboard alone", { timeout: 90_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    const kb = page.keyboard;
    // The first field has focus when the form appears.
    assert.ok(await focused(page.getByLabel("First name")));
    const email = uniqueEmail("keyboard");
    await kb.type("Alan");
    await kb.press("Tab");
    await kb.type("Turing");
    await kb.press("Tab");
    assert.ok(await focused(page.getByLabel("Email address")));
    await kb.type(email);
    await kb.press("Tab"); // phone number: left empty
    await kb.press("Tab");
    assert.ok(await focused(detailsForm(page).getByLabel("Password", { exact: true })));
    await kb.type("typed by keyboard only");
    await kb.press("Tab");
    assert.ok(await focused(page.getByRole("button", { name: "Show password" })));
    await kb.press("Tab");
    assert.ok(await focused(page.getByRole("button", { name: "Continue" })));
    await kb.press("Enter");

    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    // Focus lands in the code input.
    const codeInput = page.getByLabel("Verification code");
    await page.waitForFunction(() => document.activeElement?.id === "code");
    await kb.type(await codeFromOutbox(page, email));
    assert.ok(await focused(codeInput));
    await kb.press("Enter");

    await expectDone(page, context);
    assert.ok(await focused(page.getByRole("heading", { level: 1, name: "You’re signed up" })));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("on a phone-sized screen the card and the outbox stack", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
  try {
    await waitForDetails(page);
    const card = await page.getByRole("heading", { level: 1, name: "Create your account" }).boundingBox();
    const outbox = await page.getByRole("complementary", { name: "Dev outbox" }).boundingBox();
    assert.ok(outbox.y > card.y, "the outbox comes after the card");
    // Nothing scrolls sideways.
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= 390, `no horizontal scroll (scrollWidth ${scrollWidth})`);
    await screenshot(page, "mobile-1-details");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
