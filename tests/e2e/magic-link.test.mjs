// Signing up with an email link: tab A asks for a link and waits on
// "Check your email"; tab B, another browser, opens the link from the dev
// outbox and presses Confirm. Tab A moves on by itself to the done step,
// tab B's landing page says the email is confirmed, and the link cannot be
// used twice. Opening the link (a GET, as mail scanners do) verifies
// nothing on its own; a sign-up with a phone goes on to the phone's code.
// On the default server: the link goes out right after the code.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE_URL, launch, openPage, expectDone, screenshot, outboxMessage, progressText, uniquePhone, e164,
  codeFromOutbox,
} from "./support.mjs";
import {
  waitForLink, waitingHeading, linkFor, confirmLink, landingHeading, signUpOf,
} from "./link-support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("tab A waits while tab B confirms the link; A ends signed up, B says confirmed, the link is then used up", { timeout: 90_000 }, async () => {
  const a = await waitForLink(browser, BASE_URL, { tag: "link-confirm" });
  const b = await openPage(browser, { base: BASE_URL, goto: false });
  try {
    assert.equal(await progressText(a.page), "Step 2 of 3 — Check your email");
    assert.ok(await a.page.getByRole("button", { name: "Cancel" }).isVisible());
    assert.ok(await a.page.getByRole("status").filter({ hasText: "Waiting for you to confirm" }).isVisible());
    await screenshot(a.page, "link-1-waiting");

    // The link, as a person reads it in the outbox panel of tab A.
    const href = await outboxMessage(a.page, a.email).getByRole("link", { name: "Open link" }).getAttribute("href");
    assert.equal(href, await linkFor(BASE_URL, a.email));

    await confirmLink(b.page, href);
    assert.equal(await landingHeading(b.page), "Email confirmed");
    assert.ok(await b.page.getByText("You can return to your original tab").isVisible());
    // Tab B is another browser: it holds no session, so it offers none.
    assert.equal(await b.page.getByRole("link", { name: "Continue to the app" }).count(), 0);
    await screenshot(b.page, "link-2-landing-confirmed");

    const { sessionId } = await expectDone(a.page, a.context, BASE_URL);
    assert.ok(await a.page.getByText(`Your account for ${a.email} is ready`).isVisible());
    const signUp = await signUpOf(a.context, BASE_URL, a.signUpId);
    assert.equal(signUp.status, "complete");
    assert.equal(signUp.created_session_id, sessionId);
    await screenshot(a.page, "link-3-done");

    // The same link again: used, so it says so instead of confirming twice.
    await b.page.goto(href);
    await b.page.waitForURL(/\/verify\/\?gh_status=failed$/);
    assert.equal(await landingHeading(b.page), "This link can’t be used");
    assert.ok(await b.page.getByRole("link", { name: "Back to sign-up" }).isVisible());
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("opening the link (a GET, as mail scanners do) verifies nothing; Confirm then does, and the phone comes next", { timeout: 90_000 }, async () => {
  const phone = uniquePhone();
  const a = await waitForLink(browser, BASE_URL, { tag: "link-scanner", phone });
  const b = await openPage(browser, { base: BASE_URL, goto: false });
  try {
    const link = await linkFor(BASE_URL, a.email);
    // A scanner fetches the link, and may follow it: no cookie, no script.
    for (const method of ["GET", "HEAD", "GET"]) {
      const res = await fetch(link, { method, redirect: "manual" });
      assert.equal(res.status, 200, `${method} answers the Confirm page`);
      if (method === "GET") assert.match(await res.text(), /<button type="submit">Confirm<\/button>/);
    }
    // A person opens it too, and does not press Confirm.
    await b.page.goto(link);
    await b.page.getByRole("heading", { level: 1, name: "Confirm your email address" }).waitFor();

    const signUp = await signUpOf(a.context, BASE_URL, a.signUpId);
    assert.equal(signUp.status, "missing_requirements");
    assert.equal(signUp.verifications.email_address.status, "unverified");
    assert.equal(signUp.verifications.email_address.strategy, "email_link");
    assert.ok(await waitingHeading(a.page).isVisible(), "tab A still waits");

    // The link still works. The sign-up is not complete yet (the phone is
    // unverified), so tab A goes on to the phone's code, as after an email code.
    await b.page.getByRole("button", { name: "Confirm" }).click();
    assert.equal(await landingHeading(b.page), "Email confirmed");
    assert.ok(await b.page.getByText("You can return to your original tab").isVisible());
    await a.page.getByRole("heading", { level: 1, name: "Verify your phone number" }).waitFor();
    assert.ok(await a.page.getByText("Email address verified. One more step.").isVisible());
    assert.equal(await a.page.getByRole("button", { name: "Email me a link", exact: true }).isVisible(), false,
      "a phone number gets no link");
    await a.page.getByLabel("Verification code").fill(await codeFromOutbox(a.page, e164(phone)));
    await a.page.getByRole("button", { name: "Verify", exact: true }).click();
    await expectDone(a.page, a.context, BASE_URL);
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
