// The waiting tab under poor conditions: Cancel stops every request (the
// stream and the polling alike), a stream that cannot be opened falls back
// to polling, and a stream that drops is reopened without missing the
// confirmation made meanwhile. These tests count the server's open event
// streams and drop them all, so their server (GATEHOUSE_E2E_LINKS_WAITING_URL)
// is theirs alone, and they run one after another.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, expectDone, eventually } from "./support.mjs";
import {
  LINKS_WAITING_URL as BASE, requireLinkServer, waitForLink, linkFor, confirmLink, landingHeading,
  requestsTo, openStreams, dropStreams,
} from "./link-support.mjs";

const EVENTS = "**/v1/client/sign_ups/*/events";
/** Long enough for a poll (1 s) or a reconnect the SDK forgot to stop to show up. */
const QUIET_MS = 2000;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Every request the page makes that names the sign-up, as "METHOD url". */
function watchRequests(page, signUpId) {
  const seen = [];
  page.on("request", (req) => { if (req.url().includes(signUpId)) seen.push(`${req.method()} ${req.url()}`); });
  return seen;
}

/**
 * Asserts that nothing about the sign-up reaches the server, and that the
 * page asks for nothing either, over QUIET_MS.
 */
async function assertQuiet(page, seen, signUpId) {
  const prefix = `/v1/client/sign_ups/${signUpId}`;
  const before = await requestsTo(BASE, prefix);
  const pageBefore = seen.length;
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const after = await requestsTo(BASE, prefix);
  assert.equal(after.count, before.count, `no request after cancel; the latest: ${after.recent.join(", ")}`);
  assert.deepEqual(seen.slice(pageBefore), [], "the page sent nothing after cancel");
}

test("Cancel closes the stream, goes back to the code step, and no request follows", { timeout: 90_000 }, async () => {
  requireLinkServer(BASE);
  const a = await waitForLink(browser, BASE, { tag: "link-cancel" });
  try {
    const seen = watchRequests(a.page, a.signUpId);
    const events = `/v1/client/sign_ups/${a.signUpId}/events`;
    await eventually(async () => (await requestsTo(BASE, events)).count >= 1 && (await openStreams(BASE)) >= 1,
      { message: "the waiting tab's event stream" });

    await a.page.getByRole("button", { name: "Cancel" }).click();
    await a.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await a.page.getByText(`We emailed a link to ${a.email}, so earlier codes no longer work.`).waitFor();
    assert.ok(await a.page.getByLabel("Verification code").isVisible());
    assert.ok(await a.page.getByRole("button", { name: "Email me a link", exact: true }).isVisible());

    await eventually(async () => (await openStreams(BASE)) === 0, { message: "the stream to close" });
    await assertQuiet(a.page, seen, a.signUpId);
    assert.ok(await a.page.getByRole("heading", { level: 1, name: "Verify your email" }).isVisible());
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
  }
});

test("with the stream blocked the page polls, still moves on when the link is confirmed, and Cancel stops the polling", { timeout: 90_000 }, async () => {
  requireLinkServer(BASE);
  const block = (page) => page.route(EVENTS, (route) => route.abort("connectionrefused"));
  const a = await waitForLink(browser, BASE, { tag: "link-poll", beforeLink: block });
  const b = await openPage(browser, { base: BASE, goto: false });
  try {
    // Polling: GETs of the sign-up itself reach the server; no stream does.
    const polled = async () => (await requestsTo(BASE, `/v1/client/sign_ups/${a.signUpId}`)).recent
      .filter((r) => r === `GET /v1/client/sign_ups/${a.signUpId}`).length;
    await eventually(async () => (await polled()) >= 1, { timeout: 20_000, message: "the page to poll the sign-up" });
    assert.equal((await requestsTo(BASE, `/v1/client/sign_ups/${a.signUpId}/events`)).count, 0);

    await confirmLink(b.page, await linkFor(BASE, a.email));
    assert.equal(await landingHeading(b.page), "Email confirmed");
    await expectDone(a.page, a.context, BASE);
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }

  // Cancel while polling: the poll timer is cleared too.
  const c = await waitForLink(browser, BASE, { tag: "link-poll-cancel", beforeLink: block });
  try {
    const seen = watchRequests(c.page, c.signUpId);
    await eventually(async () => (await requestsTo(BASE, `/v1/client/sign_ups/${c.signUpId}`)).recent
      .includes(`GET /v1/client/sign_ups/${c.signUpId}`), { timeout: 20_000, message: "the page to poll the sign-up" });
    await c.page.getByRole("button", { name: "Cancel" }).click();
    await c.page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await assertQuiet(c.page, seen, c.signUpId);
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test("a stream dropped mid-wait is reopened, and a confirmation made while it was down is not missed", { timeout: 90_000 }, async () => {
  requireLinkServer(BASE);
  const a = await waitForLink(browser, BASE, { tag: "link-drop" });
  const b = await openPage(browser, { base: BASE, goto: false });
  try {
    const events = `/v1/client/sign_ups/${a.signUpId}/events`;
    await eventually(async () => (await requestsTo(BASE, events)).count >= 1 && (await openStreams(BASE)) >= 1,
      { message: "the waiting tab's event stream" });
    const opened = (await requestsTo(BASE, events)).count;

    // Hold the reconnect in the browser until the link is confirmed, so the
    // change happens while tab A has no stream.
    let release;
    const confirmed = new Promise((r) => { release = r; });
    await a.page.route(EVENTS, async (route) => { await confirmed; await route.continue(); });
    assert.ok((await dropStreams(BASE)) >= 1, "a stream was open to drop");
    await eventually(async () => (await openStreams(BASE)) === 0, { message: "the stream to end" });

    await confirmLink(b.page, await linkFor(BASE, a.email));
    assert.equal(await landingHeading(b.page), "Email confirmed");
    release();

    await expectDone(a.page, a.context, BASE);
    assert.ok((await requestsTo(BASE, events)).count > opened, "the stream was opened again");
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
