// The root README's "Node backend" snippet, run as it stands against a real
// Gatehouse server (scripts/test-browser.sh starts one: GATEHOUSE_TEST_API):
// a signed-in request gets its user, any other a 401 in the error shape.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const api = process.env.GATEHOUSE_TEST_API;
assert.ok(api, "run through scripts/test-browser.sh, which starts the server (GATEHOUSE_TEST_API)");
const root = fileURLToPath(new URL("../../../", import.meta.url));

async function readmeSnippet() {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = /<!-- node-backend: begin -->\n```js\n([\s\S]*?)```\n<!-- node-backend: end -->/.exec(readme);
  assert.ok(section, "README.md has the Node backend snippet between its markers");
  // Outside this package's folder, the package is reached by its path.
  const entry = pathToFileURL(join(root, "packages/node/index.js")).href;
  return section[1].replace('from "gatehouse-node"', `from ${JSON.stringify(entry)}`);
}

/** A bearer-mode sign-up completed with the dev outbox's code; answers a session JWT and its ids. */
async function sessionToken() {
  const post = async (path, token, body) => {
    const headers = { "content-type": "application/json", "gatehouse-token-mode": "bearer" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${api}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    const json = await res.json();
    assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(json)}`);
    return { json, token: res.headers.get("gatehouse-client") ?? token };
  };
  const email = `readme-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  let { json, token } = await post("/v1/client/sign_ups", null, { email_address: email, password: "correct horse battery" });
  const id = json.response.id;
  ({ token } = await post(`/v1/client/sign_ups/${id}/prepare_verification`, token, { strategy: "email_code" }));
  const outbox = await (await fetch(`${api}/v1/dev/outbox`)).json();
  const code = outbox.filter((m) => m.to === email).at(-1)?.code;
  ({ json, token } = await post(`/v1/client/sign_ups/${id}/attempt_verification`, token, { strategy: "email_code", code }));
  const { created_session_id: sessionId, created_user_id: userId } = json.response;
  const minted = await post(`/v1/client/sessions/${sessionId}/tokens`, token, {});
  return { jwt: minted.json.response.jwt, sessionId, userId };
}

test("the README's Node backend answers only to a signed-in user", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-readme-"));
  const file = join(dir, "backend.mjs");
  await writeFile(file, await readmeSnippet());
  const child = spawn(process.execPath, [file], { env: { ...process.env, GATEHOUSE_FRONTEND_API: api, PORT: "0" } });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const match = /listening on (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`the snippet exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}/`;
    const session = await sessionToken();
    const ok = await fetch(url, { headers: { authorization: `Bearer ${session.jwt}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { userId: session.userId, sessionId: session.sessionId });
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal((await none.json()).errors[0].code, "session_token_missing");
    const forged = await fetch(url, { headers: { authorization: `Bearer ${session.jwt.slice(0, -2)}xx` } });
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).errors[0].code, "session_token_invalid");
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
