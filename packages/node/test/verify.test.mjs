// gatehouse-node against a real Gatehouse server in dev mode
// (scripts/test-browser.sh starts one and sets GATEHOUSE_TEST_API):
// a real sign-up in bearer mode, a real session token, real keys.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { GatehouseAuthError, gatehouseMiddleware, requireSession, verifyToken } from "gatehouse-node";

const api = process.env.GATEHOUSE_TEST_API;
assert.ok(api, "run through scripts/test-browser.sh, which starts the server (GATEHOUSE_TEST_API)");
const options = { frontendApi: api, issuer: "gatehouse" };

/** One request of a bearer-mode client, as the SDK makes it. */
async function call(method, path, token, body) {
  const headers = { "content-type": "application/json", "gatehouse-token-mode": "bearer" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${api}${path}`, { method, headers, body: body && JSON.stringify(body) });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return { json, token: res.headers.get("gatehouse-client") ?? token };
}

/** Signs a new user up (email code from the dev outbox); answers a session JWT and its ids. */
async function signedInToken() {
  const email = `node-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  let { json, token } = await call("POST", "/v1/client/sign_ups", null, { email_address: email, password: "correct horse battery" });
  const id = json.response.id;
  ({ token } = await call("POST", `/v1/client/sign_ups/${id}/prepare_verification`, token, { strategy: "email_code" }));
  const outbox = await (await fetch(`${api}/v1/dev/outbox`)).json();
  const code = outbox.filter((m) => m.to === email).at(-1)?.code;
  assert.ok(code, `a code to ${email}`);
  ({ json, token } = await call("POST", `/v1/client/sign_ups/${id}/attempt_verification`, token, { strategy: "email_code", code }));
  assert.equal(json.response.status, "complete");
  const sessionId = json.response.created_session_id;
  const userId = json.response.created_user_id;
  const minted = await call("POST", `/v1/client/sessions/${sessionId}/tokens`, token, {});
  return { jwt: minted.json.response.jwt, sessionId, userId };
}

const session = await signedInToken();

test("a real session token verifies, and its claims name the user and the session", async () => {
  const claims = await verifyToken(session.jwt, options);
  assert.equal(claims.sub, session.userId);
  assert.equal(claims.sid, session.sessionId);
  assert.equal(claims.iss, "gatehouse");
  // The key set is cached: the same URL works through jwksUrl too.
  const again = await verifyToken(session.jwt, { jwksUrl: `${api}/.well-known/jwks.json`, issuer: "gatehouse" });
  assert.equal(again.sid, session.sessionId);
});

test("a forged, re-signed, expired-looking or foreign token is refused", async () => {
  const [h, p, s] = session.jwt.split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url"));
  const forged = Buffer.from(JSON.stringify({ ...payload, sub: "user_someoneelse" })).toString("base64url");
  const past = Buffer.from(JSON.stringify({ ...payload, exp: 1 })).toString("base64url");
  for (const bad of [`${h}.${forged}.${s}`, `${h}.${past}.${s}`, `${h}.${p}.${s.slice(0, -4)}AAAA`, "not.a.jwt", "x"]) {
    await assert.rejects(verifyToken(bad, options), (err) => err instanceof GatehouseAuthError && err.code === "session_token_invalid" && err.status === 401);
  }
  // Another issuer or audience than the server's.
  await assert.rejects(verifyToken(session.jwt, { ...options, issuer: "someone-else" }), GatehouseAuthError);
  await assert.rejects(verifyToken(session.jwt, { ...options, audience: "https://app.example.com" }), GatehouseAuthError);
  // Keys that cannot be had: an outage (503), neither trusted nor a 401.
  const down = { frontendApi: "http://127.0.0.1:9", issuer: "gatehouse" };
  await assert.rejects(verifyToken(session.jwt, down), (err) => err.code === "jwks_unavailable" && err.status === 503);
});

test("alg none, and HS256 signed with the server's public key, are refused", async () => {
  const { SignJWT, base64url } = await import("jose");
  const [h, p] = session.jwt.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const claims = JSON.parse(Buffer.from(p, "base64url"));
  const none = Buffer.from(JSON.stringify({ ...header, alg: "none" })).toString("base64url");
  for (const bad of [`${none}.${p}.`, `${none}.${p}.${session.jwt.split(".")[2]}`]) {
    await assert.rejects(verifyToken(bad, options), (err) => err.code === "session_token_invalid");
  }
  const jwks = await (await fetch(`${api}/.well-known/jwks.json`)).json();
  const x = jwks.keys.find((k) => k.kid === header.kid).x;
  for (const secret of [base64url.decode(x), new TextEncoder().encode(x)]) {
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: header.kid }).sign(secret);
    await assert.rejects(verifyToken(forged, options), (err) => err.code === "session_token_invalid" && err.status === 401);
  }
});

test("requireSession reads Authorization: Bearer from a Node request or a Fetch Request", async () => {
  const node = { headers: { authorization: `Bearer ${session.jwt}` } };
  assert.deepEqual((await requireSession(node, options)).userId, session.userId);
  const fetchRequest = new Request("http://app.example/api", { headers: { Authorization: `bearer ${session.jwt}` } });
  assert.equal((await requireSession(fetchRequest, options)).sessionId, session.sessionId);
  for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer" }]) {
    await assert.rejects(requireSession({ headers }, options), (err) => err.code === "session_token_missing" && err.status === 401);
  }
  await assert.rejects(requireSession({ headers: { authorization: "Bearer nope" } }, options), (err) => err.code === "session_token_invalid");
  assert.throws(() => gatehouseMiddleware({ issuer: "gatehouse" }), TypeError, "a key source is required");
  await assert.rejects(verifyToken(session.jwt, { frontendApi: api }), TypeError, "an issuer is required");
});

test("the middleware lets a signed-in request through with req.auth, and answers 401 otherwise", async () => {
  const guard = gatehouseMiddleware(options);
  const server = createServer((req, res) => {
    guard(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        return res.end(String(err));
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ hello: req.auth.userId }));
    });
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  const url = `http://127.0.0.1:${server.address().port}/private`;
  try {
    const ok = await fetch(url, { headers: { authorization: `Bearer ${session.jwt}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { hello: session.userId });
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    assert.deepEqual((await none.json()).errors.map((e) => e.code), ["session_token_missing"]);
    const forged = await fetch(url, { headers: { authorization: `Bearer ${session.jwt.slice(0, -2)}xx` } });
    assert.equal(forged.status, 401);
    assert.deepEqual((await forged.json()).errors.map((e) => e.code), ["session_token_invalid"]);
    // The server's keys out of reach: the app's error handler gets it, not a 401.
    const outage = gatehouseMiddleware({ frontendApi: "http://127.0.0.1:9", issuer: "gatehouse" });
    const passed = await new Promise((done) => outage({ headers: { authorization: `Bearer ${session.jwt}` } }, {}, done));
    assert.equal(passed.code, "jwks_unavailable");
  } finally {
    server.close();
  }
});
