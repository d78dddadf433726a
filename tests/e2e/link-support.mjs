// Shared helpers of the email-link tests: the servers they run on, getting
// a sign-up to the "Check your email" step, reading the link from the dev
// outbox, opening it in another tab as a person would, and the server's
// dev counters (requests per path, open event streams).
// Not a test file: `node --test tests/e2e/` runs only *.test.mjs.

import assert from "node:assert/strict";
import { openPage, uniqueEmail, waitForDetails, fillDetails, eventually, requireServer } from "./support.mjs";

const url = (name) => (process.env[name] || "").replace(/\/$/, "");

/**
 * A server of their own for the tests that count and drop every open event
 * stream (the plain email-link tests run on the default server, BASE_URL).
 */
export const LINKS_WAITING_URL = url("GATEHOUSE_E2E_LINKS_WAITING_URL");
/** Links expire after 2 s, and a new one can be sent at once (no resend wait). */
export const LINKS_EXPIRY_URL = url("GATEHOUSE_E2E_LINKS_EXPIRY_URL");
/** `[email_link] require_same_client = true`. */
export const LINKS_SAME_CLIENT_URL = url("GATEHOUSE_E2E_LINKS_SAME_CLIENT_URL");

/** Fails the test when the email-link server `url` is not set (scripts/test-e2e.sh sets them all). */
export function requireLinkServer(url) {
  requireServer(url, "GATEHOUSE_E2E_LINKS_*_URL");
}

/** The waiting step's heading. */
export const waitingHeading = (page) => page.getByRole("heading", { level: 1, name: "Check your email" });

/**
 * Presses "Email me a link" on the code step: the waiting step shows at
 * once, as the link is being sent.
 */
export async function emailMeALink(page) {
  await page.getByRole("button", { name: "Email me a link", exact: true }).click();
  await waitingHeading(page).waitFor();
}

/**
 * A new sign-up on `base` in a fresh context, taken to the waiting step:
 * details (with `phone` if given), the code step (its code sent), then
 * "Email me a link".
 * `beforeLink(page)` runs just before the link is asked for.
 */
export async function waitForLink(browser, base, { tag = "link", beforeLink, phone } = {}) {
  const opened = await openPage(browser, { base });
  const { context, page } = opened;
  const email = uniqueEmail(tag);
  await waitForDetails(page);
  await fillDetails(page, { email, phone, password: "correct horse battery" });
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
  await page.getByText(`We sent a 6-digit code to ${email}`).waitFor();
  if (beforeLink) await beforeLink(page);
  await emailMeALink(page);
  await page.getByText(`We sent a link to ${email}`).waitFor();
  const signUpId = await signUpIdOf(context, base);
  return { ...opened, email, signUpId };
}

/** The id of the browser context's sign-up (GET /v1/client with its cookie). */
export async function signUpIdOf(context, base) {
  const res = await context.request.get(`${base}/v1/client`);
  assert.equal(res.status(), 200);
  const id = (await res.json()).response.sign_up_id;
  assert.match(id, /^su_/);
  return id;
}

/** The sign-up as the server has it, read with the context's own cookie. */
export async function signUpOf(context, base, id) {
  const res = await context.request.get(`${base}/v1/client/sign_ups/${id}`);
  assert.equal(res.status(), 200);
  return (await res.json()).response;
}

/** The links sent to `to`, oldest first (GET /v1/dev/outbox). */
export async function linksSentTo(base, to) {
  const res = await fetch(`${base}/v1/dev/outbox`);
  assert.equal(res.status, 200);
  return (await res.json()).filter((m) => m.to === to && m.link).map((m) => m.link);
}

/** The newest link sent to `to`, waiting for it if need be. */
export async function linkFor(base, to, { count = 1 } = {}) {
  const links = await eventually(async () => {
    const sent = await linksSentTo(base, to);
    return sent.length >= count && sent;
  }, { message: `email link number ${count} to ${to}` });
  const link = links.at(-1);
  assert.match(link, /\/v1\/verify\?token=[A-Za-z0-9_-]+$/);
  return link;
}

/**
 * Opens `link` in `page` as a person would and presses Confirm on the
 * page the link shows; resolves once the landing page shows its heading.
 */
export async function confirmLink(page, link) {
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Confirm your email address" }).waitFor();
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.waitForURL(/\/verify\/\?/);
}

/** The landing page's heading text, once it has one. */
export async function landingHeading(page) {
  const heading = page.getByRole("heading", { level: 1 }).filter({ hasNotText: "Checking your link" });
  return (await heading.textContent({ timeout: 15_000 })).trim();
}

/** How many requests reached `base` on paths starting with `prefix`, and the latest of them. */
export async function requestsTo(base, prefix) {
  const res = await fetch(`${base}/v1/dev/requests?path_prefix=${encodeURIComponent(prefix)}`);
  assert.equal(res.status, 200);
  return res.json();
}

/** How many event streams `base` has open. */
export async function openStreams(base) {
  const res = await fetch(`${base}/v1/dev/event_streams`);
  assert.equal(res.status, 200);
  return (await res.json()).open;
}

/** Ends every open event stream on `base`; answers how many were open. */
export async function dropStreams(base) {
  const res = await fetch(`${base}/v1/dev/drop_event_streams`, { method: "POST" });
  assert.equal(res.status, 200);
  return (await res.json()).open;
}
