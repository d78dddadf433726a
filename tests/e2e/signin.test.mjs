// Signing in on the demo: after a sign-up, a fresh browser signs in with the
// password (errors next to their field), sees its session, gets a session
// token (verified here with npm `jose` against the server's JWKS: a JOSE
// library the server does not use), and signs out.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot,
  expectDone, fieldError, clientSessions, BASE_URL,
} from "./support.mjs";

const PASSWORD = "correct horse battery";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Signs `email` up through the demo, in its own browser context. */
async function signUp(email) {
  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    await fillDetails(page, { email, password: PASSWORD });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    return await expectDone(page, context);
  } finally {
    assert.deepEqual(problems, []);
    await context.close();
  }
}

test("sign in with the password after signing up, get a verified token, sign out", { timeout: 120_000 }, async () => {
  const email = uniqueEmail("signin");
  const { userId } = await signUp(email);

  const { context, page, problems } = await openPage(browser);
  try {
    await waitForDetails(page);
    await page.getByRole("button", { name: "Sign in" }).click();
    const step = page.getByRole("region", { name: "Sign in" });
    await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    const identifier = step.getByLabel("Email or username");
    const password = step.getByLabel("Password", { exact: true });
    assert.ok(await focusedIs(page, "identifier"), "the identifier has the focus");
    assert.equal(await password.getAttribute("autocomplete"), "current-password");
    await screenshot(page, "signin-1-form");

    // Empty: both fields say what they need, without a request.
    await step.getByRole("button", { name: "Sign in" }).click();
    assert.equal(await fieldError(page, identifier), "Enter your email address or username.");
    assert.equal(await fieldError(page, password), "Enter your password.");

    // An unknown account, then a wrong password: each next to its field.
    await identifier.fill(uniqueEmail("nobody"));
    await password.fill(PASSWORD);
    await step.getByRole("button", { name: "Sign in" }).click();
    await eventuallyText(() => fieldError(page, identifier), "No account uses this email address or username.");
    assert.equal(await fieldError(page, password), null);

    await identifier.fill(email.toUpperCase());
    await password.fill("not the password");
    await step.getByRole("button", { name: "Sign in" }).click();
    await eventuallyText(() => fieldError(page, password), "That password isn’t right. Check it and try again.");
    assert.equal(await fieldError(page, identifier), null);
    await screenshot(page, "signin-2-wrong-password");

    await password.fill(PASSWORD);
    await step.getByRole("button", { name: "Sign in" }).click();
    const signedIn = page.getByRole("region", { name: "You’re signed in" });
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await signedIn.getByText(`Welcome back, ${email}.`).waitFor();
    const sessionId = (await signedIn.getByText(/^sess_[a-z0-9]+$/i).textContent()).trim();
    assert.equal((await signedIn.getByText(/^user_[a-z0-9]+$/i).textContent()).trim(), userId);
    const sessions = await clientSessions(context);
    assert.deepEqual(sessions.map((s) => s.id), [sessionId], "the page shows this browser's session");

    // A session token, verified with the JWKS by a library of its own.
    await signedIn.getByRole("button", { name: "Get token" }).click();
    const jwtBox = signedIn.getByLabel("JWT");
    await jwtBox.waitFor();
    const jwt = (await jwtBox.inputValue()).trim();
    const jwks = createRemoteJWKSet(new URL(`${BASE_URL}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: "gatehouse", algorithms: ["EdDSA"] });
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.equal(payload.sub, userId);
    assert.equal(payload.sid, sessionId);
    assert.equal(payload.exp - payload.iat, 60);
    assert.ok(await signedIn.getByText(payload.jti, { exact: true }).isVisible(), "the claims are shown");
    // A token that was tampered with does not verify.
    const [h, p, sig] = jwt.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: "user_someoneelse" })).toString("base64url");
    await assert.rejects(jwtVerify(`${h}.${forged}.${sig}`, jwks, { issuer: "gatehouse" }));
    assert.ok(p.length > 0);
    await screenshot(page, "signin-3-signed-in-with-token");

    await signedIn.getByRole("button", { name: "Sign out", exact: true }).click();
    await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await step.getByText("You’ve signed out.").waitFor();
    assert.deepEqual(await clientSessions(context), [], "the session is gone");
    // The token's session is revoked: a new token cannot be had for it.
    // As the SDK sends it: JSON, so the cookie write is allowed to be tried at all.
    const res = await context.request.post(`${BASE_URL}/v1/client/sessions/${sessionId}/tokens`, { data: {} });
    assert.equal(res.status(), 404);
    assert.equal((await res.json()).errors[0].code, "session_not_found");
    await screenshot(page, "signin-4-signed-out");

    // A reload of a signed-in browser opens on the signed-in view.
    await password.fill(PASSWORD);
    await identifier.fill(email);
    await step.getByRole("button", { name: "Sign in" }).click();
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await page.reload();
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await signedIn.getByRole("button", { name: "Sign out", exact: true }).click();
    await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

/** Whether the focused element has this id. */
async function focusedIs(page, id) {
  return page.evaluate((want) => document.activeElement?.id === want, id);
}

/** Waits until `read()` answers `want` (the error shows after the request). */
async function eventuallyText(read, want) {
  const end = Date.now() + 10_000;
  let last;
  while (Date.now() < end) {
    last = await read();
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(last, want);
}
