// gatehouse-node: who is signed in, for a Node backend.
//
// A page gets a short-lived session JWT from the SDK (`gh.session.getToken()`)
// and sends it as `Authorization: Bearer <jwt>`. This module checks it with
// the Gatehouse server's public keys (`/.well-known/jwks.json`) through
// `jose`: the key set is fetched once, cached, and fetched again when a
// token names a key it has not seen (after a key rotation). Nothing here
// writes JWT code of its own.

import { createRemoteJWKSet, jwtVerify } from "jose";

/** Key sets by URL: one fetch and one cache per Gatehouse server. */
const keySets = new Map();

/**
 * Why a request has no session: `status` 401 with `code`
 * `session_token_missing` or `session_token_invalid`; or 503
 * `jwks_unavailable` when the server's keys could not be had (an outage
 * is not the user's fault, so it is not a 401).
 */
export class GatehouseAuthError extends Error {
  constructor(code, message, status = 401) {
    super(message);
    this.name = "GatehouseAuthError";
    this.status = status;
    this.code = code;
  }
}

/** jose's errors that mean the key set could not be fetched or read. */
const KEYS_UNAVAILABLE = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JOSE_GENERIC"]);

function jwksUrlOf(options) {
  if (options?.jwksUrl) return new URL(options.jwksUrl);
  if (options?.frontendApi) return new URL("/.well-known/jwks.json", options.frontendApi);
  throw new TypeError("gatehouse-node: pass { frontendApi } or { jwksUrl }");
}

function keySetFor(url) {
  let set = keySets.get(url.href);
  if (!set) {
    // jose refetches on an unknown `kid` (at most every 30 s) and keeps the
    // set for 10 minutes: the server's JWKS keeps old keys until their
    // tokens have expired, so that is always enough.
    set = createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    keySets.set(url.href, set);
  }
  return set;
}

/**
 * Verifies a Gatehouse session JWT: signature (EdDSA, a key of the
 * server's JWKS), `exp`, `nbf`, `iss` and, when given, `aud`. Answers the
 * claims (`sub` is the user id, `sid` the session id); throws
 * {@link GatehouseAuthError} otherwise (`session_token_invalid`, or
 * `jwks_unavailable` when the keys cannot be fetched).
 */
export async function verifyToken(token, options) {
  if (typeof options?.issuer !== "string" || options.issuer === "") {
    throw new TypeError("gatehouse-node: pass { issuer }, the server's [session] issuer");
  }
  const keys = keySetFor(jwksUrlOf(options));
  if (typeof token !== "string" || token === "") {
    throw new GatehouseAuthError("session_token_missing", "No session token was given.");
  }
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ["EdDSA"],
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockTolerance ?? 5,
      requiredClaims: ["sub", "sid", "exp", "iat"],
    });
    return payload;
  } catch (err) {
    const unavailable = KEYS_UNAVAILABLE.has(err?.code) || (err instanceof TypeError && !err.code);
    const refusal = unavailable
      ? new GatehouseAuthError("jwks_unavailable", "The Gatehouse server's keys could not be fetched.", 503)
      : new GatehouseAuthError("session_token_invalid", "The session token is not valid.");
    refusal.cause = err;
    throw refusal;
  }
}

/** The `Authorization` header of a Node request or a Fetch API `Request`. */
function authorizationOf(req) {
  const headers = req?.headers;
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get("authorization") ?? undefined;
  const value = headers.authorization ?? headers.Authorization;
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The signed-in user of a request (framework-neutral: a Node
 * `IncomingMessage`, an Express request or a Fetch `Request`), from
 * `Authorization: Bearer <jwt>`. Answers `{ userId, sessionId, claims }`;
 * throws {@link GatehouseAuthError} (status 401) without a valid token.
 */
export async function requireSession(req, options) {
  const header = authorizationOf(req);
  const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    // Checked first, so a misconfiguration still throws before any request is judged.
    jwksUrlOf(options);
    throw new GatehouseAuthError("session_token_missing", "Send the session token as Authorization: Bearer.");
  }
  const claims = await verifyToken(match[1], options);
  return { userId: claims.sub, sessionId: claims.sid, claims };
}

/**
 * Express (or Connect) middleware: puts `{ userId, sessionId, claims }` in
 * `req.auth` and goes on, or answers 401 with Gatehouse's error shape
 * (`{ "errors": [{ "code", "message" }] }`) and `WWW-Authenticate: Bearer`.
 * Keys that cannot be fetched go to `next(err)` (status 503).
 */
export function gatehouseMiddleware(options) {
  jwksUrlOf(options);
  return async function gatehouse(req, res, next) {
    try {
      req.auth = await requireSession(req, options);
    } catch (err) {
      // An outage (503) is the app's error to handle, not a sign-out.
      if (!(err instanceof GatehouseAuthError) || err.status !== 401) return next(err);
      res.statusCode = 401;
      res.setHeader("WWW-Authenticate", `Bearer error="invalid_token"`);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ errors: [{ code: err.code, message: err.message }] }));
      return;
    }
    next();
  };
}
