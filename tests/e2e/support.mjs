// Shared helpers of the demo's end-to-end tests: the browser, the server's
// address, and the few things a person does on every run (fill the form,
// read the code from the dev outbox, look at an error next to a field).
// Not a test file: `node --test tests/e2e/` runs only *.test.mjs.

import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createHmac, randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

/** The server under test: scripts/test-e2e.sh sets it; `make demo` is the fallback. */
export const BASE_URL = (process.env.GATEHOUSE_E2E_URL || "http://127.0.0.1:8080").replace(/\/$/, "");

/**
 * A second server whose config asks for other fields (username, accepted
 * terms, a required first name; no phone). Set by scripts/test-e2e.sh; the
 * tests that need it fail without it ([`requireServer`]), never skip.
 */
export const CUSTOM_URL = (process.env.GATEHOUSE_E2E_CUSTOM_URL || "").replace(/\/$/, "");

/**
 * A third server with `[sign_up] mode = "restricted"` (invitation only).
 * Set by scripts/test-e2e.sh; the tests that need it fail without it.
 */
export const RESTRICTED_URL = (process.env.GATEHOUSE_E2E_RESTRICTED_URL || "").replace(/\/$/, "");

/**
 * A server with `[mfa] required = true`: a new session is `pending` until
 * its user turns TOTP on. Set by scripts/test-e2e.sh.
 */
export const MFA_URL = (process.env.GATEHOUSE_E2E_MFA_URL || "").replace(/\/$/, "");

/**
 * Fails the test, loudly, when a server it needs is not set (`url` empty):
 * the e2e tests run through scripts/test-e2e.sh, which starts every server
 * and sets `variable`. A skip would let a run pass without them.
 */
export function requireServer(url, variable) {
  assert.ok(url, `${variable} is not set: run the e2e tests with scripts/test-e2e.sh`);
}

const SHOTS = fileURLToPath(new URL("../../target/e2e/", import.meta.url));

/** The system Chromium, headless, with nothing that phones home. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.GATEHOUSE_E2E_CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-quic",
    ],
  });
}

/**
 * A fresh context (its own cookies, so its own Gatehouse client) and a page
 * in it. Page errors are collected so a test can assert there were none.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 900 }, goto = true, base = BASE_URL } = {}) {
  const context = await browser.newContext({ viewport, locale: "en-US", timezoneId: "UTC" });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  if (goto) await page.goto(base + "/");
  return { context, page, problems };
}

/** An address no other test (or earlier run on the same database) uses. */
export function uniqueEmail(tag = "e2e") {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}@example.com`;
}

/** A valid, unused-looking E.164 number in the US 555 range. */
export function uniquePhone() {
  const n = randomBytes(3).readUIntBE(0, 3) % 10_000;
  const area = 200 + (randomBytes(1)[0] % 700);
  return `+1 ${area} 555 ${String(n).padStart(4, "0")}`;
}

/** The phone number as the server stores it (E.164, no spaces). */
export const e164 = (phone) => phone.replace(/[\s().-]/g, "");

/** Saves a full-page screenshot as target/e2e/NAME.png. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

/** Waits for the details step to be ready. */
export async function waitForDetails(page) {
  await page.getByRole("heading", { level: 1, name: "Create your account" }).waitFor();
}

/**
 * The sign-up details form: its "Password" is not the sign-in form's (both
 * are in the page; one step shows at a time).
 */
export function detailsForm(page) {
  return page.locator("#details-form");
}

/** Fills the details form the way a person does, leaving out what is not given. */
export async function fillDetails(page, { firstName, lastName, email, phone, password }) {
  if (firstName !== undefined) await page.getByLabel("First name").fill(firstName);
  if (lastName !== undefined) await page.getByLabel("Last name").fill(lastName);
  if (email !== undefined) await page.getByLabel("Email address").fill(email);
  if (phone !== undefined) await page.getByLabel("Phone number").fill(phone);
  if (password !== undefined) await detailsForm(page).getByLabel("Password", { exact: true }).fill(password);
}

/** The dev outbox panel (a labelled complementary region). */
export function outboxPanel(page) {
  return page.getByRole("complementary", { name: "Dev outbox" });
}

/**
 * Reads the newest code sent to `to` from the outbox panel on the page, as
 * a person would. The panel refreshes after each send and every few seconds.
 */
export async function codeFromOutbox(page, to) {
  const message = outboxPanel(page).getByRole("listitem").filter({ hasText: to }).first();
  const code = (await message.getByText(/^\d{6}$/).textContent({ timeout: 15_000 })).trim();
  assert.match(code, /^\d{6}$/);
  return code;
}

/**
 * The codes sent to `to`, newest last, from GET /v1/dev/outbox (a fallback
 * for checks the panel cannot answer, such as "no second message was sent").
 */
export async function codesFromApi(to) {
  const res = await fetch(`${BASE_URL}/v1/dev/outbox`);
  assert.equal(res.status, 200);
  const messages = await res.json();
  return messages.filter((m) => m.to === to).map((m) => m.code);
}

/**
 * The error shown for an input: the role=alert element its
 * aria-describedby points to, checked to be visible and right below the
 * input. Returns its text (or null when there is none).
 */
export async function fieldError(page, input) {
  const ids = ((await input.getAttribute("aria-describedby")) || "").split(/\s+/).filter(Boolean);
  for (const id of ids) {
    const node = page.locator(`[id="${id}"]`);
    if ((await node.getAttribute("role")) !== "alert") continue;
    if (!(await node.isVisible())) continue;
    const [inputBox, errorBox] = [await input.boundingBox(), await node.boundingBox()];
    assert.ok(errorBox.y >= inputBox.y + inputBox.height - 1, "the error sits below its input");
    assert.ok(errorBox.y - (inputBox.y + inputBox.height) < 60, "the error sits right below its input");
    return (await node.textContent()).trim();
  }
  return null;
}

/** Polls `probe` until it returns a truthy value (or throws after `timeout` ms). */
export async function eventually(probe, { timeout = 10_000, interval = 100, message = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}: ${last}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The visible progress text, e.g. "Step 2 of 3 — Verify your email". */
export async function progressText(page) {
  const nav = page.getByRole("navigation", { name: "Sign-up progress" });
  return (await nav.locator("p").first().textContent()).trim();
}

/** The name of the progress item marked aria-current="step". */
export async function currentStepName(page) {
  const nav = page.getByRole("navigation", { name: "Sign-up progress" });
  const items = nav.getByRole("listitem");
  const count = await items.count();
  for (let i = 0; i < count; i++) {
    if ((await items.nth(i).getAttribute("aria-current")) === "step") {
      return (await items.nth(i).textContent()).trim();
    }
  }
  return null;
}

/**
 * Checks the done step (heading, ids) and returns the ids shown. The ids
 * are also checked against the client the browser's cookie names
 * (GET /v1/client through the context's own cookies).
 */
export async function expectDone(page, context, base = BASE_URL) {
  const done = page.getByRole("region", { name: "You’re signed up" });
  await done.getByRole("heading", { level: 1, name: "You’re signed up" }).waitFor();
  const userId = (await done.getByText(/^user_[a-z0-9]+$/i).textContent()).trim();
  const sessionId = (await done.getByText(/^sess_[a-z0-9]+$/i).textContent()).trim();
  assert.ok(await done.getByText("User ID", { exact: true }).isVisible());
  assert.ok(await done.getByText("Session ID", { exact: true }).isVisible());
  assert.equal(await progressText(page), "Step 3 of 3 — Done");
  assert.match(await currentStepName(page), /^Done/);

  const res = await context.request.get(`${base}/v1/client`);
  assert.equal(res.status(), 200);
  const client = (await res.json()).response;
  const session = client.sessions.find((s) => s.id === sessionId);
  assert.ok(session, `the client has the session ${sessionId} shown on the page`);
  assert.equal(session.user_id, userId);
  return { userId, sessionId };
}

/** The dev outbox's message to `to` (newest first), as a locator. */
export function outboxMessage(page, to) {
  return outboxPanel(page).getByRole("listitem").filter({ hasText: to }).first();
}

/**
 * Invites `email` through the dev panel's "Invite someone" form, as a
 * person would, and returns the invitation link the outbox then shows.
 */
export async function inviteFromPanel(page, email) {
  const panel = outboxPanel(page);
  await panel.getByLabel("Invite by email").fill(email);
  await panel.getByRole("button", { name: "Invite", exact: true }).click();
  await panel.getByText(`Invitation sent to ${email}.`).waitFor();
  const link = outboxMessage(page, email).getByRole("link", { name: "Open link" });
  const href = await link.getAttribute("href", { timeout: 15_000 });
  assert.match(href, /[?&]__gh_ticket=[A-Za-z0-9_-]+/);
  return href;
}

/** An invitation made with the dev API (`POST /v1/dev/invitations`) on `base`: its link. */
export async function inviteByApi(email, base = BASE_URL) {
  const res = await fetch(`${base}/v1/dev/invitations`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).url;
}

/** The live sessions of the browser context's client (GET /v1/client with its cookie). */
export async function clientSessions(context, base = BASE_URL) {
  const res = await context.request.get(`${base}/v1/client`);
  assert.equal(res.status(), 200);
  return (await res.json()).response.sessions;
}

/** Decodes RFC 4648 base32 (case and padding ignored), as authenticator apps read a TOTP secret. */
function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of clean) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * The parameters of an `otpauth://totp/...` URI (secret, algorithm, digits,
 * period, with RFC 6238's defaults), as an authenticator app reads them.
 */
export function parseOtpauth(uri) {
  const url = new URL(uri);
  assert.equal(url.protocol, "otpauth:");
  assert.equal(url.host, "totp");
  const q = url.searchParams;
  const secret = q.get("secret");
  assert.ok(secret, "the URI has a secret");
  return {
    label: decodeURIComponent(url.pathname.slice(1)),
    issuer: q.get("issuer"),
    secret,
    algorithm: (q.get("algorithm") || "SHA1").toLowerCase(),
    digits: Number(q.get("digits") || 6),
    period: Number(q.get("period") || 30),
  };
}

/** The TOTP time step of `at` (epoch ms) for the URI's period. */
export function totpStep(uri, at = Date.now()) {
  return Math.floor(at / 1000 / parseOtpauth(uri).period);
}

/**
 * The TOTP code (RFC 6238, on RFC 4226's HOTP with dynamic truncation) of
 * the `otpauth://` URI for time step `step` (default: the one of now),
 * computed with node:crypto, as an authenticator app does.
 */
export function totpFromUri(uri, step = totpStep(uri)) {
  const { secret, algorithm, digits } = parseOtpauth(uri);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/**
 * A code of a time step later than `afterStep`, the way a person gets one:
 * waits for the app's next code when the current one was used already (the
 * server never takes a code, or an earlier one, twice). Answers `{ code, step }`.
 */
export async function freshTotp(uri, afterStep = -1) {
  const { period } = parseOtpauth(uri);
  for (;;) {
    const step = totpStep(uri);
    if (step > afterStep) return { code: totpFromUri(uri, step), step };
    // Into the next step, with a margin for the clocks' rounding.
    await new Promise((r) => setTimeout(r, (step + 1) * period * 1000 - Date.now() + 250));
  }
}
