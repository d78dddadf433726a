// Links that do not confirm: one that expired (a server whose links last
// 2 s) says so in the waiting tab and on the landing page, and a new one
// can be sent; one opened in another browser on a server with
// `require_same_client` gives client_mismatch, and still works in the
// browser that signed up; a link asked for too soon after the code (the
// default server's 30 s) waits, and the code still works; the landing page
// opened without an outcome says there is nothing to confirm.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, expectDone, screenshot, progressText, waitForDetails, fillDetails, uniqueEmail,
  codeFromOutbox,
} from "./support.mjs";
import {
  LINKS_URL, LINKS_EXPIRY_URL, LINKS_SAME_CLIENT_URL, skipUnless, waitForLink, waitingHeading,
  linkFor, linksSentTo, confirmLink, landingHeading, signUpOf,
} from "./link-support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("an expired link says so in the waiting tab and on the landing page, and a new link can be sent", { timeout: 90_000, skip: skipUnless(LINKS_EXPIRY_URL) }, async () => {
  const base = LINKS_EXPIRY_URL;
  const a = await waitForLink(browser, base, { tag: "link-expired" });
  const b = await openPage(browser, { base, goto: false });
  try {
    const link = await linkFor(base, a.email);
    // The server tells the waiting tab when the link expires (2 s here).
    const expired = a.page.getByRole("heading", { level: 1, name: "This link has expired" });
    await expired.waitFor();
    assert.ok(await a.page.getByText(`The link we sent to ${a.email} no longer works.`).isVisible());
    assert.equal(await progressText(a.page), "Step 2 of 3 — This link has expired");
    await screenshot(a.page, "link-expired-waiting-tab");

    await b.page.goto(link);
    await b.page.waitForURL(/\/verify\/\?gh_status=expired$/);
    assert.equal(await landingHeading(b.page), "This link has expired");
    assert.ok(await b.page.getByRole("link", { name: "Back to sign-up" }).isVisible());
    await screenshot(b.page, "link-expired-landing");
    assert.equal((await signUpOf(a.context, base, a.signUpId)).verifications.email_address.status, "expired");

    await a.page.getByRole("button", { name: "Send a new link" }).click();
    await waitingHeading(a.page).waitFor();
    const again = await linkFor(base, a.email, { count: 2 });
    assert.notEqual(again, link, "a new link, not the old one");
    // "Enter a code instead" leaves the wait for the code step.
    await a.page.getByRole("button", { name: /^(Cancel|Enter a code instead)$/ }).click();
    await a.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    assert.equal((await linksSentTo(base, a.email)).length, 2);
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("with require_same_client, a link opened in another browser gives client_mismatch and works in the first", { timeout: 90_000, skip: skipUnless(LINKS_SAME_CLIENT_URL) }, async () => {
  const base = LINKS_SAME_CLIENT_URL;
  const a = await waitForLink(browser, base, { tag: "link-mismatch" });
  const b = await openPage(browser, { base, goto: false });
  try {
    const link = await linkFor(base, a.email);
    // Another browser: refused at once, nothing to confirm.
    await b.page.goto(link);
    await b.page.waitForURL(/\/verify\/\?gh_status=client_mismatch$/);
    assert.equal(await landingHeading(b.page), "Open the link where you signed up");
    assert.ok(await b.page.getByText("only works in the browser where you started signing up").isVisible());
    await screenshot(b.page, "link-client-mismatch");
    assert.equal((await signUpOf(a.context, base, a.signUpId)).verifications.email_address.status, "unverified");
    assert.ok(await waitingHeading(a.page).isVisible(), "tab A still waits");

    // The browser that signed up, in a second tab: confirms, and holds the session.
    const tab = await a.context.newPage();
    await confirmLink(tab, link);
    assert.equal(await landingHeading(tab), "Email confirmed");
    assert.ok(await tab.getByText("You’re signed in on this browser.").isVisible());
    const { sessionId } = await expectDone(a.page, a.context, base);
    assert.match(tab.url(), new RegExp(`[?&]gh_created_session=${sessionId}$`));
    await tab.getByRole("link", { name: "Continue to the app" }).click();
    await tab.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("a link asked for right after the code waits its turn, with a countdown, and the code still works", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    const email = uniqueEmail("link-too-soon");
    await fillDetails(page, { email, password: "correct horse battery" });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText(`We sent a 6-digit code to ${email}`).waitFor();

    await page.getByRole("button", { name: "Email me a link", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: "moments ago" });
    await alert.waitFor();
    assert.match(await alert.textContent(), /You can ask for a link in \d+ seconds\./);
    const countdown = page.getByRole("button", { name: /^Email me a link in \d+s$/ });
    assert.ok(await countdown.isDisabled());
    assert.ok(await page.getByRole("heading", { level: 1, name: "Verify your email" }).isVisible());

    // No link went out, so the code sent before is still the one.
    await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(page, context);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the landing page opened without an outcome says there is nothing to confirm", { timeout: 60_000, skip: skipUnless(LINKS_URL) }, async () => {
  const { context, page, problems } = await openPage(browser, { base: LINKS_URL, goto: false });
  try {
    for (const path of ["/verify", "/verify/?gh_status=bogus"]) {
      await page.goto(LINKS_URL + path);
      assert.equal(await landingHeading(page), "Nothing to confirm here");
      assert.ok(await page.getByRole("link", { name: "Go to sign-up" }).isVisible());
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
