// Each browser fixture app, installed from the package's npm pack tarball,
// completes a sign-up against the real server in headless Chromium
// (Playwright): the Vite + React app in `vite dev` and in `vite build` +
// `vite preview`, the webpack 5 app (no config) and the plain HTML page
// (an import map, no bundler). Run by scripts/test-consumers.sh, which
// builds and serves them and sets GATEHOUSE_CONSUMERS_* to their URLs.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { env, sentTo, useChromium } from "./support.mjs";

const browser = useChromium();

async function signUpIn(url) {
  const api = env("GATEHOUSE_CONSUMERS_API");
  const context = await browser().newContext();
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && !/status of 404/.test(m.text()) && problems.push(`console: ${m.text()}`));
  // The browser asks for /favicon.ico, which no app has; anything else missing is a problem.
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && problems.push(`${r.status()} ${r.url()}`));
  const wasm = [];
  page.on("response", (r) => r.url().endsWith(".wasm") && wasm.push([r.status(), r.headers()["content-type"]]));
  try {
    await page.goto(`${url}${url.includes("?") ? "&" : "?"}api=${encodeURIComponent(api)}`);
    await page.locator("#status", { hasText: "details" }).waitFor();
    const email = `consumer.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.locator("#status", { hasText: "code" }).waitFor();
    await page.getByLabel("Code").fill(await sentTo(api, email, "code"));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.locator("#status", { hasText: /^complete user_/ }).waitFor();
    assert.deepEqual(wasm, [[200, "application/wasm"]], "the wasm, fetched once, as wasm");
    assert.deepEqual(problems, []);
  } catch (e) {
    const shot = await page.screenshot({ path: `${process.env.GATEHOUSE_CONSUMERS_SHOTS ?? "/tmp"}/consumer-${new URL(url).port}.png` }).catch(() => null);
    e.message += `\npage: ${await page.locator("body").innerText().catch(() => "?")}\nproblems: ${problems.join("; ")}${shot ? "" : ""}`;
    throw e;
  } finally {
    await context.close();
  }
}

test("Vite + React, vite dev (dependency pre-bundling on, no optimizeDeps)", () => signUpIn(env("GATEHOUSE_CONSUMERS_VITE_DEV")));
test("Vite + React, vite build + vite preview", () => signUpIn(env("GATEHOUSE_CONSUMERS_VITE_PREVIEW")));
test("webpack 5, no config", () => signUpIn(env("GATEHOUSE_CONSUMERS_WEBPACK")));
test("a plain HTML page with an import map", () => signUpIn(env("GATEHOUSE_CONSUMERS_PLAIN")));

test("the README's Plain JS snippet is the plain page's app.js, as it stands", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const section = /<!-- plain-js: begin -->\n```js\n([\s\S]*?)```\n<!-- plain-js: end -->/.exec(readme);
  assert.ok(section, "README.md has the Plain JS snippet between its markers");
  assert.equal(section[1], await readFile(new URL("plain/app.js", import.meta.url), "utf8"));
});
