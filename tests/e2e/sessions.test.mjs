// "Your sessions" on the demo: a user signed in on two browsers sees both
// in the first one's list (browser and OS, IP, last active, "This device"),
// signs the other one out from there, and the other browser is signed out
// at its next action and on reload.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot, expectDone,
  clientSessions, eventually,
} from "./support.mjs";

const PASSWORD = "correct horse battery";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("list the sessions, sign another browser out from the list", { timeout: 120_000 }, async () => {
  const email = uniqueEmail("sessions");
  const first = await openPage(browser);
  const second = await openPage(browser);
  try {
    // Signed up in the first browser (its session); the second signs in.
    await waitForDetails(first.page);
    await fillDetails(first.page, { email, password: PASSWORD });
    await first.page.getByRole("button", { name: "Continue" }).click();
    await first.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await first.page.getByLabel("Verification code").fill(await codeFromOutbox(first.page, email));
    await first.page.getByRole("button", { name: "Verify", exact: true }).click();
    const { sessionId: firstSession } = await expectDone(first.page, first.context);

    // Its list: this device alone.
    await first.page.reload();
    const firstSignedIn = first.page.getByRole("region", { name: "You’re signed in" });
    const panel = firstSignedIn.getByRole("region", { name: "Your sessions" });
    const list = panel.getByRole("list", { name: "Your sessions" });
    const rows = list.getByRole("listitem");
    await rows.filter({ hasText: "This device" }).waitFor();
    assert.equal(await rows.count(), 1);

    await waitForDetails(second.page);
    await second.page.getByRole("button", { name: "Sign in" }).click();
    const signInStep = second.page.getByRole("region", { name: "Sign in" });
    await signInStep.getByLabel("Email or username").fill(email);
    await signInStep.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await signInStep.getByRole("button", { name: "Sign in" }).click();
    const secondSignedIn = second.page.getByRole("region", { name: "You’re signed in" });
    await secondSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    const [secondSession] = await clientSessions(second.context);

    // "Refresh list" in the first browser: both, this one marked (and first), the other with "Sign out".
    await panel.getByRole("button", { name: "Refresh list" }).click();
    await eventually(async () => (await rows.count()) === 2, { message: "two sessions listed" });
    const here = rows.filter({ hasText: "This device" });
    const other = rows.filter({ hasNotText: "This device" });
    assert.equal(await here.count(), 1);
    assert.equal(await other.count(), 1);
    assert.match(await rows.first().textContent(), /This device/, "this device first");
    for (const row of [here, other]) {
      const text = await row.textContent();
      assert.match(text, /Chrome(Headless)? [\d.]+ on Linux/, "the browser and its OS");
      assert.match(text, /IP 127\.0\.0\.1/);
      assert.match(text, /Active now/);
    }
    // This device has no "Sign out" of its own in the list (the view's button does that).
    assert.equal(await here.getByRole("button").count(), 0);
    // "Sign out" on screen, named for the browser it signs out.
    const signOutOther = other.getByRole("button", { name: /^Sign out of Chrome(Headless)? [\d.]+ on Linux$/ });
    assert.ok(await signOutOther.isVisible());
    assert.ok(await firstSignedIn.getByRole("button", { name: "Sign out", exact: true }).isVisible());
    await screenshot(first.page, "sessions-1-list");

    // Sign the other browser out: the list is read again, with one left.
    await signOutOther.click();
    await panel.getByRole("status").filter({ hasText: /^Signed out of Chrome/ }).waitFor();
    await eventually(async () => (await rows.count()) === 1, { message: "one session left" });
    assert.equal(await rows.filter({ hasText: "This device" }).count(), 1);
    assert.deepEqual((await clientSessions(first.context)).map((s) => s.id), [firstSession], "this one lives on");
    assert.deepEqual(await clientSessions(second.context), [], `${secondSession.id} ended`);
    await screenshot(first.page, "sessions-2-signed-out-other");

    // The second browser finds out at its next action: sent to sign in again.
    await secondSignedIn.getByRole("button", { name: "Get token" }).click();
    const again = second.page.getByRole("region", { name: "Sign in" });
    await again.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await again.getByText("This session has ended. Sign in again.").waitFor();
    // And on reload it starts signed out.
    await second.page.reload();
    await waitForDetails(second.page);
    assert.equal(await secondSignedIn.isVisible(), false);
    await screenshot(second.page, "sessions-3-other-signed-out");

    // The first one is still signed in after a reload.
    await first.page.reload();
    await firstSignedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.deepEqual(first.problems, []);
    assert.deepEqual(second.problems, []);
  } finally {
    await first.context.close();
    await second.context.close();
  }
});
