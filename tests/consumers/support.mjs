// What the consumer apps' tests share (both run by scripts/test-consumers.sh):
// the URLs it hands them, one headless Chromium per test file, and what the
// dev outbox sent.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

/** A URL that scripts/test-consumers.sh set, without a trailing slash. */
export function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run scripts/test-consumers.sh`);
  return value.replace(/\/$/, "");
}

/** Launches headless Chromium before the file's tests and closes it after them; call the answer for it. */
export function useChromium() {
  let browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.GATEHOUSE_E2E_CHROMIUM || "/usr/bin/chromium",
      args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  after(() => browser?.close());
  return () => browser;
}

/** The `key` ("code" or "link") of the message last sent to `to`, from the dev outbox of the server at `api`. */
export async function sentTo(api, to, key) {
  for (let tries = 0; tries < 50; tries++) {
    const message = (await (await fetch(`${api}/v1/dev/outbox`)).json()).findLast((m) => m.to === to && m[key]);
    if (message) return message[key];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${key} was sent to ${to}`);
}
