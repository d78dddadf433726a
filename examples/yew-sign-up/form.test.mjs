// The example driven as a person would, in Chromium (Playwright), against
// a real dev-mode server that serves the built page (scripts/build-examples.sh
// starts it and sets GATEHOUSE_EXAMPLE_URL): email and password, the code
// from the dev outbox, then signed in with a session token.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.GATEHOUSE_EXAMPLE_URL;
const browser = await chromium.launch({
  executablePath: process.env.GATEHOUSE_E2E_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
after(() => browser.close());

test("the Yew form signs a person up with an emailed code", { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${base}/`);
  const email = `yew.${Date.now()}@example.com`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  const signUp = page.getByRole("button", { name: "Sign up" });
  await signUp.waitFor();
  await page.waitForFunction(() => !document.querySelector("button[type=submit]").disabled);
  await signUp.click();

  // A wrong code is the typed error's message, shown in the form.
  const codeInput = page.getByLabel("Code from your email");
  await codeInput.fill("12345");
  await page.getByRole("button", { name: "Verify" }).click();
  assert.match(await page.getByRole("alert").innerText(), /form_param_format_invalid.*\(code\)/);

  const outbox = await (await fetch(`${base}/v1/dev/outbox`)).json();
  const code = outbox.findLast((m) => m.to === email)?.code;
  assert.ok(code, "a code was sent");
  await codeInput.fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  assert.match(await page.locator("#done").innerText(), /Signed in\. Session token: ey/);
  assert.deepEqual(problems, []);
});
