// The reference app (examples/react-app), built on gatehouse-react and
// installed from the three packages' npm pack tarballs, driven in headless
// Chromium as a person would: sign up with an emailed code, see the
// protected page with data from the app's Express backend (gatehouse-node),
// sign out, see the backend refuse, sign in again; and sign up with an email
// link confirmed in another tab; and, built against a Gatehouse server with
// [mfa] required, ask the backend with a pending session. Run by
// scripts/test-consumers.sh, which builds the app, starts its backend and a
// Gatehouse server of its own ([session] audience = the app's URL, 3 s
// tokens), and sets GATEHOUSE_REACT_APP and GATEHOUSE_REACT_APP_API (and
// GATEHOUSE_REACT_APP_MFA, GATEHOUSE_REACT_APP_MFA_API for the second build).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { env, sentTo, useChromium } from "./support.mjs";

const browser = useChromium();

/** A new context on the app: its page, and a list of what went wrong there (page errors, failed requests but /api/me's). */
async function openApp() {
  const context = await browser().newContext();
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // The 401s the tests provoke are expected; any other failed request is a problem.
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && !r.url().endsWith("/api/me") &&
    problems.push(`${r.status()} ${r.url()}`));
  return { context, page, problems };
}

/** Signs up a new address (its name starts with `prefix`) with a password and the emailed code, as a person would; answers the address. */
async function signUpWithCode(page, api, prefix) {
  const email = `${prefix}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const signUp = page.getByRole("form", { name: "Sign up" });
  await signUp.getByLabel("Email").fill(email);
  await signUp.getByLabel("Password").fill("correct horse battery");
  await signUp.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: `Verify ${email}` }).waitFor();
  await page.getByRole("button", { name: "Email me a code" }).click();
  await page.getByRole("textbox", { name: "Code" }).fill(await sentTo(api, email, "code"));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "Welcome!" }).waitFor();
  return email;
}

test("sign up with a code, the protected page, sign out, the backend refuses, sign in again", async () => {
  const app = env("GATEHOUSE_REACT_APP");
  const api = env("GATEHOUSE_REACT_APP_API");
  const { context, page, problems } = await openApp();
  const tokens = [];
  page.on("request", (r) => r.url().endsWith("/api/me") && r.headers().authorization && tokens.push(r.headers().authorization));
  try {
    await page.goto(`${app}/`);

    // 1. Details, then the emailed code, then done.
    const email = await signUpWithCode(page, api, "react-app");
    const userId = /\((user_[^)]+)\)/.exec(await page.getByRole("region", { name: "Done" }).innerText())?.[1];
    assert.ok(userId, "the new user's id is shown");

    // 2. The protected page, with the backend's answer for this user.
    await page.getByRole("link", { name: "Go to your account" }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await page.locator("#me", { hasText: userId }).waitFor();
    const me = JSON.parse(await page.locator("#me").innerText());
    assert.equal(me.userId, userId);
    assert.match(me.sessionId, /^sess_/);
    const token = tokens.at(-1);
    assert.ok(token, "the page sent its session token");

    // 3. Sign out: the protected content goes, and the backend refuses the page at once (no token to send).
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#signed-out").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Your account" }).count(), 0);
    await page.getByRole("button", { name: "Ask the backend" }).click();
    await page.locator("#backend-check", { hasText: /^401 .*session_token_missing/ }).waitFor();
    // A token taken before sign-out is refused once it expires (3 s tokens here): the backend checks the token, not the session.
    const replay = () => page.evaluate((auth) => fetch("/api/me", { headers: { Authorization: auth } }).then((r) => r.status), token);
    // 3 s of token plus the 5 s of clock tolerance that gatehouse-node allows by default; the deadline leaves room for a loaded machine.
    let status;
    for (const deadline = Date.now() + 20_000; (status = await replay()) !== 401 && Date.now() < deadline; ) await page.waitForTimeout(200);
    assert.equal(status, 401, "the old token is refused once expired");
    const forged = token.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    assert.equal(await page.evaluate((auth) => fetch("/api/me", { headers: { Authorization: auth } }).then((r) => r.status), forged), 401);

    // 4. Sign in again: the protected page is back, for the same user.
    await page.getByRole("link", { name: "Sign in" }).first().click();
    const signIn = page.getByRole("form", { name: "Sign in" });
    await signIn.getByLabel("Email").fill(email);
    await signIn.getByLabel("Password").fill("correct horse battery");
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#me", { hasText: userId }).waitFor();
    await page.getByRole("button", { name: "Ask the backend" }).click();
    await page.locator("#backend-check", { hasText: /^200 / }).waitFor();
    assert.deepEqual(problems, []);
  } catch (e) {
    await page.screenshot({ path: `${process.env.GATEHOUSE_CONSUMERS_SHOTS ?? "/tmp"}/react-app.png` }).catch(() => null);
    e.message += `\npage: ${await page.locator("body").innerText().catch(() => "?")}\nproblems: ${problems.join("; ")}`;
    throw e;
  } finally {
    await context.close();
  }
});

test("the README's React snippets are the app's files, as they stand", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/<!-- react: (\S+) -->\n```jsx\n([\s\S]*?)```\n/g)];
  assert.deepEqual(blocks.map((b) => b[1]), ["src/main.jsx", "src/Account.jsx"]);
  for (const [, file, text] of blocks) {
    assert.equal(text, await readFile(new URL(`../../examples/react-app/${file}`, import.meta.url), "utf8"), file);
  }
});

test("sign up with an email link: the waiting page goes on by itself once the link is confirmed in another tab", async () => {
  const app = env("GATEHOUSE_REACT_APP");
  const api = env("GATEHOUSE_REACT_APP_API");
  const context = await browser().newContext();
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // The confirming tab shares the cookie, and completing the sign-up there
  // replaces the client token: the waiting tab's next request gets 409
  // client_token_replaced once and the SDK sends it again (docs/protocol.md).
  page.on("response", (r) => r.status() >= 400 && r.status() !== 409 && !r.url().endsWith("/favicon.ico") &&
    problems.push(`${r.status()} ${r.url()}`));
  try {
    await page.goto(`${app}/`);
    const email = `react-link.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const signUp = page.getByRole("form", { name: "Sign up" });
    await signUp.getByLabel("Email").fill(email);
    await signUp.getByLabel("Password").fill("correct horse battery");
    await signUp.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: `Verify ${email}` }).waitFor();
    await page.getByRole("button", { name: "Email me a link" }).click();
    await page.getByRole("heading", { name: `Open the link we sent to ${email}` }).waitFor();

    // The person opens the link from their mailbox in another tab and confirms.
    const mail = await context.newPage();
    await mail.goto(await sentTo(api, email, "link"));
    await mail.getByRole("heading", { level: 1, name: "Confirm your email address" }).waitFor();
    await mail.getByRole("button", { name: "Confirm" }).click();

    // The waiting tab moves on by itself: done, with the new user.
    await page.getByRole("heading", { name: "Welcome!" }).waitFor();
    const done = await page.getByRole("region", { name: "Done" }).innerText();
    assert.match(done, /\(user_[^)]+\)/, "the new user's id is shown");
    assert.deepEqual(problems, []);
  } catch (e) {
    await page.screenshot({ path: `${process.env.GATEHOUSE_CONSUMERS_SHOTS ?? "/tmp"}/react-app-link.png` }).catch(() => null);
    e.message += `\npage: ${await page.locator("body").innerText().catch(() => "?")}\nproblems: ${problems.join("; ")}`;
    throw e;
  } finally {
    await context.close();
  }
});

test("a pending session (a second factor required, none set up yet) asks the backend with no Authorization, not 'Bearer null'", async () => {
  // The app built against a Gatehouse server with [mfa] required: a new
  // user's session is pending (tasks ["setup_mfa"]), so getToken() answers
  // null. /api goes to the same Express backend as the other tests'.
  const app = env("GATEHOUSE_REACT_APP_MFA");
  const api = env("GATEHOUSE_REACT_APP_MFA_API");
  const { context, page, problems } = await openApp();
  // What the page sent the backend, header by header, as Chromium sent it.
  const asked = [];
  page.on("request", (r) => r.url().endsWith("/api/me") && asked.push(r.headers()));
  try {
    await page.goto(`${app}/`);
    await signUpWithCode(page, api, "react-mfa");

    // The session is there but pending: the protected page is not shown.
    await page.getByRole("link", { name: "Go to your account" }).click();
    await page.locator("#signed-out").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Your account" }).count(), 0);
    const client = await page.evaluate((api) => fetch(`${api}/v1/client`, { credentials: "include" }).then((r) => r.json()), api);
    assert.deepEqual(client.response.sessions.map((s) => s.status), ["pending"], JSON.stringify(client));

    // Asking the backend sends no token at all: no Authorization header.
    await page.getByRole("button", { name: "Ask the backend" }).click();
    await page.locator("#backend-check", { hasText: /^401 / }).waitFor();
    assert.equal(asked.length, 1, "one request to the backend");
    assert.equal(asked[0].authorization, undefined, `the page sent Authorization: ${asked[0].authorization}`);
    assert.match(await page.locator("#backend-check").innerText(), /session_token_missing/);
    assert.deepEqual(problems, []);
  } catch (e) {
    await page.screenshot({ path: `${process.env.GATEHOUSE_CONSUMERS_SHOTS ?? "/tmp"}/react-app-mfa.png` }).catch(() => null);
    e.message += `\npage: ${await page.locator("body").innerText().catch(() => "?")}\nproblems: ${problems.join("; ")}`;
    throw e;
  } finally {
    await context.close();
  }
});
