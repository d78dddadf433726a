// The example app's own backend (Express): it serves the built app (dist/)
// and /api/me, which answers only to a signed-in user. The page sends its
// session token (`await session.getToken()`) as `Authorization: Bearer`;
// gatehouse-node's middleware checks it against the Gatehouse server's
// JWKS: signature, expiry, issuer and audience. Anything else is a 401.
//
// The check is the token's, not the session's: after sign-out the page has
// no token to send (401 at once), but a token taken before it stays valid
// until it expires ([session] token_ttl_seconds, 60 s by default). An app
// that must refuse at once keeps its tokens short, or asks the Gatehouse
// server about the session (its admin API) on sensitive requests.
//
//   GATEHOUSE_API       the Gatehouse server, e.g. http://127.0.0.1:8080
//   GATEHOUSE_ISSUER    its [session] issuer (default "gatehouse")
//   GATEHOUSE_AUDIENCE  its [session] audience: this app's URL
//   PORT                where to listen (default 3000)
import express from "express";
import { gatehouseMiddleware } from "gatehouse-node";

const frontendApi = process.env.GATEHOUSE_API;
const audience = process.env.GATEHOUSE_AUDIENCE;
if (!frontendApi || !audience) throw new Error("set GATEHOUSE_API and GATEHOUSE_AUDIENCE");
const requireUser = gatehouseMiddleware({ frontendApi, issuer: process.env.GATEHOUSE_ISSUER ?? "gatehouse", audience });

const app = express();
app.get("/api/me", requireUser, (req, res) => {
  const { userId, sessionId, claims } = req.auth;
  res.json({ userId, sessionId, expiresAt: new Date(claims.exp * 1000).toISOString() });
});
app.use(express.static(new URL("../dist", import.meta.url).pathname));

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () =>
  console.log(`react-app at http://127.0.0.1:${server.address().port}/`),
);
