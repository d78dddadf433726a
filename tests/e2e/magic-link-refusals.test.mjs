// Links that do not confirm: one that expired (a server whose links last
// 2 s) says so in the waiting tab and on the landing page, and a new one
// can be sent; one opened in another browser on a server with
// `require_same_client` gives client_mismatch, and still works in the
// browser that signed up; on the default server (30 s between two codes,
// and between two links, to an address), a link goes out right after the
// code and the code then no longer works, while a second link asked for
// too soon waits its turn; the landing page opened without an outcome says
// there is nothing to confirm.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE_URL, launch, openPage, expectDone, screenshot, progressText, waitForDetails, fillDetails, uniqueEmail,
  codeFromOutbox, fieldError, eventually,
} from "./support.mjs";
import {
  LINKS_EXPIRY_URL, LINKS_SAME_CLIENT_URL, requireLinkServer, waitForLink, waitingHeading, emailMeALink,
  linkFor, linksSentTo, confirmLink, landingHeading, signUpOf,
} from "./link-support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("an expired link says so in the waiting tab and on the landing page, and a new link can be sent", { timeout: 90_000 }, async () => {
  requireLinkServer(LINKS_EXPIRY_URL);
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

test("with require_same_client, a link opened in another browser gives client_mismatch and works in the first", { timeout: 90_000 }, async () => {
  requireLinkServer(LINKS_SAME_CLIENT_URL);
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

test("a link goes out right after the code and replaces it; a second link asked for too soon waits, with a countdown", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    const email = uniqueEmail("link-after-code");
    await fillDetails(page, { email, password: "correct horse battery" });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText(`We sent a 6-digit code to ${email}`).waitFor();
    const code = await codeFromOutbox(page, email);

    // A code and a link each have their own resend wait: the link goes out at once.
    await emailMeALink(page);
    await linkFor(BASE_URL, email);
    assert.ok(await waitingHeading(page).isVisible(), "the link was not refused");

    // Back on the code step: the code sent before no longer works, and the page says so.
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByText(`We emailed a link to ${email}, so earlier codes no longer work.`).waitFor();
    const input = page.getByLabel("Verification code");
    await input.fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    assert.match(await eventually(() => fieldError(page, input), { message: "the code error" }),
      /^This code no longer works: we emailed you a link instead\./);

    // Another link so soon is refused (30 s per link on this server): back
    // on the code step, the page says how long to wait and counts down.
    await page.getByRole("button", { name: "Email me a link", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: "moments ago" });
    await alert.waitFor();
    assert.match(await alert.textContent(),
      /^A link was sent to this address moments ago\. You can ask for a new link in \d+ seconds\.$/);
    const countdown = page.getByRole("button", { name: /^Email me a link in \d+s$/ });
    assert.ok(await countdown.isDisabled());
    assert.ok(await page.getByRole("heading", { level: 1, name: "Verify your email" }).isVisible());
    assert.ok(await page.getByText(`We emailed a link to ${email}, so earlier codes no longer work.`).isVisible());
    await screenshot(page, "link-too-soon");
    assert.equal((await linksSentTo(BASE_URL, email)).length, 1, "no second link went out");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the landing page opened without an outcome says there is nothing to confirm", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser, { goto: false });
  try {
    for (const path of ["/verify", "/verify/?gh_status=bogus"]) {
      await page.goto(BASE_URL + path);
      assert.equal(await landingHeading(page), "Nothing to confirm here");
      assert.ok(await page.getByRole("link", { name: "Go to sign-up" }).isVisible());
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
