// Two-step verification on the demo: after a sign-up, the signed-in view
// turns TOTP on (the QR code is read here as a phone reads it, with npm
// `jsqr`, and its otpauth:// URI gives the codes, computed here with
// node:crypto: RFC 6238), shows the ten backup codes once; a sign-in with
// the password then asks for a code from the app (a wrong one and the
// enrolment's spent one are refused), another takes a backup code instead,
// and TOTP is turned off with a backup code, after which the password
// alone signs in again. A reload shows whether it is on (the SDK's
// `gh.session.totpEnabled`). A password reset asks for the second factor too.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import jsQR from "jsqr";
import {
  launch, openPage, uniqueEmail, waitForDetails, fillDetails, codeFromOutbox, screenshot, expectDone,
  fieldError, eventually, clientSessions, parseOtpauth, totpFromUri, freshTotp, outboxPanel, MFA_URL, requireServer,
} from "./support.mjs";

const PASSWORD = "correct horse battery";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("totpFromUri answers RFC 6238's test vectors (SHA-1)", () => {
  // RFC 6238 appendix B: the ASCII secret "12345678901234567890", 8 digits.
  const uri = "otpauth://totp/test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&algorithm=SHA1&period=30";
  for (const [seconds, code] of [[59, "94287082"], [1111111109, "07081804"], [1234567890, "89005924"], [20000000000, "65353130"]]) {
    assert.equal(totpFromUri(uri, Math.floor(seconds / 30)), code, `at ${seconds} s`);
  }
});

/** The signed-in view's region. */
const signedInRegion = (page) => page.getByRole("region", { name: "You’re signed in" });

/** Reads the QR code image on the page the way a phone's camera app does: its pixels, decoded. */
async function scanQr(image) {
  await eventually(() => image.evaluate((img) => img.complete && img.naturalWidth > 0), { message: "the QR image" });
  const { data, width, height } = await image.evaluate((img) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return { data: Array.from(pixels.data), width: pixels.width, height: pixels.height };
  });
  const found = jsQR(Uint8ClampedArray.from(data), width, height);
  assert.ok(found, "the QR code reads");
  return found.data;
}

/** Opens the sign-in step from wherever the page is, and signs in with the password. */
async function signInWithPassword(page, email) {
  const step = page.getByRole("region", { name: "Sign in" });
  if (!(await step.isVisible())) {
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await step.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await step.getByLabel("Email or username").fill(email);
  await step.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await step.getByRole("button", { name: "Sign in" }).click();
}

/** Reloads the signed-in view; answers its two-step verification panel once shown. */
async function reloadSignedIn(page) {
  await page.reload();
  const signedIn = signedInRegion(page);
  await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
  return signedIn.getByRole("region", { name: "Two-step verification" });
}

/** Signs out from the signed-in view; answers the sign-in step. */
async function signOut(page) {
  await signedInRegion(page).getByRole("button", { name: "Sign out", exact: true }).click();
  const step = page.getByRole("region", { name: "Sign in" });
  await step.getByText("You’ve signed out.").waitFor();
  return step;
}

/**
 * Signs `email` up on `page` and turns two-step verification on in the
 * signed-in view, checking each step on the way. Answers the URI read from
 * the QR code, the step of the code that turned it on, the backup codes,
 * and when the sign-up's email code was sent.
 */
async function signUpAndEnrol(page, context, email, { shots = false } = {}) {
  // Signed up; a reload shows the signed-in view.
  await waitForDetails(page);
  await fillDetails(page, { email, password: PASSWORD });
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
  const signUpCodeSentAt = Date.now();
  await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
  await page.getByRole("button", { name: "Verify", exact: true }).click();
  await expectDone(page, context);
  await page.reload();
  const signedIn = signedInRegion(page);
  await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();

  // Reloaded, the page knows it is off (the SDK's gh.session.totpEnabled).
  const panel = signedIn.getByRole("region", { name: "Two-step verification" });
  await panel.getByRole("heading", { level: 2, name: "Two-step verification" }).waitFor();
  await panel.getByText("Signing in takes your password only.").waitFor();
  assert.equal(await panel.getByText("Off", { exact: true }).isVisible(), true, "the Off badge");

  // Turn on: a QR code, the same URI as a link, the key as text.
  await panel.getByRole("button", { name: "Turn on", exact: true }).click();
  const qr = panel.getByRole("img", { name: "QR code for your authenticator app" });
  await qr.waitFor();
  const uri = await scanQr(qr);
  const otp = parseOtpauth(uri);
  assert.match(uri, /^otpauth:\/\/totp\//);
  assert.ok(otp.label.includes(email), `the account is named in the app: ${otp.label}`);
  assert.equal(otp.digits, 6);
  assert.equal(otp.period, 30);
  const link = panel.getByRole("link", { name: "Open in an authenticator app on this device" });
  assert.equal(await link.getAttribute("href"), uri, "the link is the QR code's URI");
  const key = await panel.getByLabel("Setup key").inputValue();
  assert.match(key, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, "the key in groups of four");
  assert.equal(key.replace(/ /g, ""), otp.secret, "the key is the QR code's secret");
  if (shots) await screenshot(page, "two-step-1-enrol");

  // A wrong code is refused next to its input; the app's current one turns it on.
  const codeInput = panel.getByLabel("Code from the app");
  const right = await freshTotp(uri);
  await codeInput.fill(right.code === "000000" ? "111111" : "000000");
  await panel.getByRole("button", { name: "Verify and turn on" }).click();
  await eventually(async () => (await fieldError(page, codeInput)) === "That code is incorrect. Check it and try again.",
    { message: "the wrong code's error" });
  await codeInput.fill(right.code);
  await panel.getByRole("button", { name: "Verify and turn on" }).click();

  // Ten backup codes, shown once.
  const backupList = panel.getByRole("list", { name: "Your backup codes" });
  await backupList.waitFor();
  const backup = (await backupList.getByRole("listitem").allTextContents()).map((c) => c.trim());
  assert.equal(backup.length, 10);
  assert.equal(new Set(backup).size, 10, "ten different codes");
  for (const c of backup) assert.match(c, /^[a-z0-9]{10}$/);
  assert.ok(await panel.getByText("this is the only time they’re shown", { exact: false }).isVisible());
  await panel.getByRole("status").filter({ hasText: "Two-step verification is on." }).waitFor();
  // "Copy codes" puts them on the clipboard, one a line.
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(page.url()).origin });
  await panel.getByRole("button", { name: "Copy codes" }).click();
  await panel.getByRole("status").filter({ hasText: "Copied." }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), backup.join("\n"));
  if (shots) await screenshot(page, "two-step-2-backup-codes");
  await panel.getByRole("button", { name: "I’ve saved my backup codes" }).click();
  await panel.getByText("Signing in asks for a code from your authenticator app.").waitFor();
  assert.equal(await backupList.count(), 0, "the codes are gone from the page");
  await panel.getByRole("button", { name: "Turn off", exact: true }).waitFor();

  return { uri, enrolStep: right.step, backup, signUpCodeSentAt };
}

test("turn on two-step verification, sign in with a code from the app and with a backup code, turn it off", { timeout: 240_000 }, async () => {
  const email = uniqueEmail("totp");
  const { context, page, problems } = await openPage(browser);
  try {
    const { uri, enrolStep, backup } = await signUpAndEnrol(page, context, email, { shots: true });
    const right = { code: totpFromUri(uri, enrolStep), step: enrolStep };
    const signedIn = signedInRegion(page);
    const panel = signedIn.getByRole("region", { name: "Two-step verification" });

    // A reload shows it on: the page knows from the server (the SDK's gh.session.totpEnabled).
    await reloadSignedIn(page);
    await panel.getByText("Signing in asks for a code from your authenticator app.").waitFor();
    assert.equal(await panel.getByText("On", { exact: true }).isVisible(), true, "the On badge");
    await panel.getByRole("button", { name: "Turn off", exact: true }).waitFor();
    assert.equal(await panel.getByRole("button", { name: "Turn on", exact: true }).count(), 0);

    // Sign out; the password alone no longer signs in: the app's code is asked for.
    await signOut(page);
    await signInWithPassword(page, email);
    const second = page.getByRole("region", { name: "Two-step verification" });
    await second.getByRole("heading", { level: 1, name: "Two-step verification" }).waitFor();
    assert.deepEqual(await clientSessions(context), [], "no session before the second step");
    const appCode = second.getByLabel("Code from your authenticator app");
    assert.equal(await appCode.evaluate((el) => el === document.activeElement), true, "the code box has the focus");
    await screenshot(page, "two-step-3-asked");

    // A wrong code, then the enrolment's (spent: never taken twice), are refused.
    await appCode.fill(right.code === "123456" ? "654321" : "123456");
    await second.getByRole("button", { name: "Verify and sign in" }).click();
    await eventually(async () => (await fieldError(page, appCode)) === "That code is incorrect. Check it and try again.",
      { message: "the wrong code's error" });
    await screenshot(page, "two-step-4-wrong-code");
    await appCode.fill(right.code);
    await second.getByRole("button", { name: "Verify and sign in" }).click();
    await eventually(async () => (await appCode.getAttribute("aria-invalid")) === "true"
      && (await second.getByRole("button", { name: "Verify and sign in" }).isEnabled())
      && (await fieldError(page, appCode)) === "That code is incorrect. Check it and try again.",
    { message: "the spent code refused" });
    assert.deepEqual(await clientSessions(context), [], "still no session");

    // The app's next code (waiting for it if the enrolment's is still current) signs in.
    const next = await freshTotp(uri, right.step);
    await appCode.fill(next.code);
    await second.getByRole("button", { name: "Verify and sign in" }).click();
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    await signedIn.getByText(`Welcome back, ${email}.`).waitFor();
    assert.equal((await clientSessions(context)).length, 1);
    await panel.getByText("Signing in asks for a code from your authenticator app.").waitFor();

    // Sign out; sign in with a backup code instead.
    await signOut(page);
    await signInWithPassword(page, email);
    await second.getByRole("heading", { level: 1, name: "Two-step verification" }).waitFor();
    await second.getByRole("button", { name: "Use a backup code instead" }).click();
    const backupInput = second.getByLabel("Backup code", { exact: true });
    await backupInput.waitFor();
    assert.equal(await backupInput.evaluate((el) => el === document.activeElement), true);
    // Typed in capitals, with a space: read as the code.
    await backupInput.fill(`${backup[0].slice(0, 5).toUpperCase()} ${backup[0].slice(5)}`);
    await screenshot(page, "two-step-5-backup-code");
    await second.getByRole("button", { name: "Verify and sign in" }).click();
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();

    // Turn off: the spent backup code is refused, another one works.
    await panel.getByRole("button", { name: "Turn off", exact: true }).click();
    const offInput = panel.getByLabel("Code from your app or a backup code");
    await offInput.fill(backup[0]);
    await panel.getByRole("button", { name: "Turn off two-step verification" }).click();
    await eventually(async () => (await fieldError(page, offInput)) === "That code is incorrect. Check it and try again.",
      { message: "the spent backup code refused" });
    await offInput.fill(backup[1]);
    await panel.getByRole("button", { name: "Turn off two-step verification" }).click();
    await panel.getByRole("status").filter({ hasText: "Two-step verification is off." }).waitFor();
    await panel.getByRole("button", { name: "Turn on", exact: true }).waitFor();
    await screenshot(page, "two-step-6-off");
    // And a reload shows it off.
    await reloadSignedIn(page);
    await panel.getByText("Signing in takes your password only.").waitFor();
    await panel.getByRole("button", { name: "Turn on", exact: true }).waitFor();

    // The password alone signs in again.
    await signOut(page);
    await signInWithPassword(page, email);
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a password reset with two-step verification on asks for the second factor too", { timeout: 180_000 }, async () => {
  const email = uniqueEmail("totp-reset");
  const { context, page, problems } = await openPage(browser);
  try {
    const { backup, signUpCodeSentAt } = await signUpAndEnrol(page, context, email);
    const step = await signOut(page);
    await step.getByLabel("Email or username").fill(email);
    // A reset code is an email code: one per address per 30 s, the sign-up's included.
    await new Promise((r) => setTimeout(r, Math.max(0, signUpCodeSentAt + 31_000 - Date.now())));
    await step.getByRole("button", { name: "Forgot password?" }).click();
    const reset = page.getByRole("region", { name: "Reset your password" });
    await reset.getByRole("heading", { level: 1, name: "Reset your password" }).waitFor();
    const message = outboxPanel(page).getByRole("listitem")
      .filter({ hasText: email }).filter({ hasText: "password reset code" }).first();
    await reset.getByLabel("Reset code").fill((await message.getByText(/^\d{6}$/).textContent()).trim());
    await reset.getByRole("button", { name: "Continue" }).click();
    await reset.getByLabel("New password").fill("a brand new passphrase");
    await reset.getByRole("button", { name: "Set password and sign in" }).click();

    // The new password is set, but the sign-in waits for the second factor.
    const second = page.getByRole("region", { name: "Two-step verification" });
    await second.getByRole("heading", { level: 1, name: "Two-step verification" }).waitFor();
    assert.deepEqual(await clientSessions(context), [], "no session before the second step");
    await second.getByRole("button", { name: "Use a backup code instead" }).click();
    await second.getByLabel("Backup code", { exact: true }).fill(backup[3]);
    await second.getByRole("button", { name: "Verify and sign in" }).click();
    const signedIn = signedInRegion(page);
    await signedIn.getByRole("heading", { level: 1, name: "You’re signed in" }).waitFor();
    assert.equal((await clientSessions(context)).length, 1);
    // Signed in through the second step: the panel knows it is on.
    const panel = signedIn.getByRole("region", { name: "Two-step verification" });
    await panel.getByText("Signing in asks for a code from your authenticator app.").waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("where a second factor is required, a new account's session waits until TOTP is on", { timeout: 180_000 }, async () => {
  requireServer(MFA_URL, "GATEHOUSE_E2E_MFA_URL");
  const email = uniqueEmail("mfa-required");
  const { context, page, problems } = await openPage(browser, { base: MFA_URL });
  try {
    await waitForDetails(page);
    await fillDetails(page, { email, password: PASSWORD });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Verify your email" }).waitFor();
    await page.getByLabel("Verification code").fill(await codeFromOutbox(page, email));
    await page.getByRole("button", { name: "Verify", exact: true }).click();

    // Signed up, but the session is pending: the page asks for two-step verification, and nothing else.
    const signedIn = signedInRegion(page);
    await signedIn.getByText("Your account needs two-step verification.", { exact: false }).waitFor();
    const [pending] = await clientSessions(context, MFA_URL);
    assert.equal(pending.status, "pending");
    assert.deepEqual(pending.tasks, ["setup_mfa"]);
    assert.equal(await signedIn.getByRole("button", { name: "Get token" }).isVisible(), false);
    assert.equal(await signedIn.getByRole("region", { name: "Your sessions" }).isVisible(), false);
    await screenshot(page, "mfa-required-1-pending");

    // Turn on: the QR code, the app's code, the backup codes; then the whole view.
    const panel = signedIn.getByRole("region", { name: "Two-step verification" });
    await panel.getByRole("button", { name: "Turn on", exact: true }).click();
    const uri = await scanQr(panel.getByRole("img", { name: "QR code for your authenticator app" }));
    await panel.getByLabel("Code from the app").fill((await freshTotp(uri)).code);
    await panel.getByRole("button", { name: "Verify and turn on" }).click();
    await panel.getByRole("list", { name: "Your backup codes" }).waitFor();
    await panel.getByRole("button", { name: "I’ve saved my backup codes" }).click();
    await signedIn.getByRole("region", { name: "Your sessions" }).waitFor();
    const [active] = await clientSessions(context, MFA_URL);
    assert.equal(active.status, "active");
    assert.deepEqual(active.tasks, []);
    await signedIn.getByRole("button", { name: "Get token" }).click();
    await signedIn.getByText("Subject (sub): the user").waitFor();

    // Required: turning it off is refused, and says why.
    await panel.getByRole("button", { name: "Turn off", exact: true }).click();
    const off = panel.getByLabel("Code from your app or a backup code");
    await off.fill((await freshTotp(uri)).code);
    await panel.getByRole("button", { name: "Turn off two-step verification" }).click();
    await panel.getByText("Two-step verification is required here, so it can’t be turned off.").waitFor();
    await screenshot(page, "mfa-required-2-active");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
