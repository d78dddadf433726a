// The owner of the address decides: someone signs up with an address that
// is not theirs and waits for the link. The owner opens it in their own
// browser (another context: its own cookies), sees where and when the
// sign-up began, and presses "I didn't start this". The waiting tab says
// the sign-up was cancelled, at once, and no account exists.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, launch, openPage, screenshot } from "./support.mjs";
import { waitForLink, linkFor } from "./link-support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the owner of the address cancels a sign-up started elsewhere, and the waiting tab says so", { timeout: 90_000 }, async () => {
  const base = BASE_URL;
  const stranger = await waitForLink(browser, base, { tag: "link-owner" });
  const owner = await openPage(browser, { base, goto: false });
  try {
    const link = await linkFor(base, stranger.email);
    await owner.page.goto(link);
    await owner.page.getByRole("heading", { level: 1, name: "Confirm your email address" }).waitFor();
    await owner.page.getByText("was started in another browser than this one").waitFor();
    const detail = (term) => owner.page.locator(`dt:text-is("${term}") + dd`).textContent();
    assert.equal(await detail("Browser"), "Chrome " + (await stranger.page.evaluate(() => navigator.userAgent.match(/Chrome\/(\d+)/)[1])) + " on Linux");
    assert.equal(await detail("IP address"), "127.0.0.1");
    assert.match(await detail("Started"), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    await screenshot(owner.page, "link-owner-confirm-elsewhere");

    await owner.page.getByRole("button", { name: "I didn’t start this" }).click();
    await owner.page.getByRole("heading", { level: 1, name: "Sign-up cancelled" }).waitFor();
    assert.ok(await owner.page.getByText("No account was made with").isVisible());
    await screenshot(owner.page, "link-owner-cancelled");

    // The waiting tab learns by its event stream, without a reload.
    await stranger.page.getByRole("heading", { level: 1, name: "This sign-up was cancelled" }).waitFor({ timeout: 5_000 });
    assert.ok(await stranger.page.getByText(`said they didn’t start this sign-up. No account was created.`).isVisible());
    await screenshot(stranger.page, "link-owner-waiting-tab-cancelled");

    // The sign-up is dead for its client, and no account has the address.
    const reload = await stranger.context.request.get(`${base}/v1/client/sign_ups/${stranger.signUpId}`);
    assert.equal(reload.status(), 410);
    assert.equal((await reload.json()).errors[0].code, "sign_up_cancelled_by_owner");
    const signIn = await stranger.context.request.post(`${base}/v1/client/sign_ins`, {
      data: { identifier: stranger.email, password: "correct horse battery" },
    });
    assert.equal(signIn.status(), 422);
    assert.equal((await signIn.json()).errors[0].code, "form_identifier_not_found");
    // The link, opened again, still says cancelled.
    await owner.page.goto(link);
    await owner.page.getByRole("heading", { level: 1, name: "Sign-up cancelled" }).waitFor();
    assert.deepEqual(stranger.problems, []);
    assert.deepEqual(owner.problems, []);
  } finally {
    await stranger.context.close();
    await owner.context.close();
  }
});
