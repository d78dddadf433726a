// The magic link's steps over plain HTTP, without a browser: where the
// browser benchmark's time goes (bench/magic-link.mjs measures in
// Chromium). For each of N runs (after 3 unmeasured), in bearer mode: a
// sign-up with a password, a link prepared, its event stream open and its
// first event read, 30 ms later POST /v1/verify; timed from just before
// that POST to its answer, and to the arrival of the stream's `complete`
// event; then a GET of the sign-up, timed alone.
//
//   node bench/magic-link-http.mjs     (N=30; GATEHOUSE_BENCH_SERVER)
//
// Not part of `make bench`: a profiling aid, whose figures
// docs/BENCHMARKS.md quotes beside the command.
import * as support from "./support.mjs";
import { ROOT } from "./support.mjs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
const N = Number(process.env.N || 30);
const work = await mkdtemp(join(tmpdir(), "probe-"));
const config = "[rate_limit]\nper_second = 100000\nburst = 100000\nsensitive_per_minute = 100000\nsensitive_burst = 100000\n";
const server = await support.startServer({ server: process.env.GATEHOUSE_BENCH_SERVER || join(ROOT, "target/release/gatehouse-server"), work, name: "probe", config, args: ["--dev"] });
const base = server.base;
const now = () => performance.now();
const rows = [];
for (let i = 0; i < N + 3; i++) {
  const email = `p${i}-${Date.now()}@example.com`;
  let r = await fetch(base + "/v1/client/sign_ups", { method: "POST", headers: { "content-type": "application/json", "gatehouse-token-mode": "bearer" }, body: JSON.stringify({ email_address: email, password: "probe-Passw0rd-" + i }) });
  const token = r.headers.get("gatehouse-client");
  const su = (await r.json()).response;
  const auth = { authorization: "Bearer " + token, "content-type": "application/json" };
  r = await fetch(`${base}/v1/client/sign_ups/${su.id}/prepare_verification`, { method: "POST", headers: auth, body: JSON.stringify({ strategy: "email_link", redirect_url: base + "/x" }) });
  await r.json();
  const out = await (await fetch(base + "/v1/dev/outbox")).json();
  const link = out.filter((m) => m.to === email).at(-1).link;
  const lt = new URL(link).searchParams.get("token");
  const es = await fetch(`${base}/v1/client/sign_ups/${su.id}/events`, { headers: auth });
  const reader = es.body.pipeThrough(new TextDecoderStream()).getReader();
  await reader.read();
  await new Promise((w) => setTimeout(w, 30));
  const t0 = now();
  const post = fetch(base + "/v1/verify", { method: "POST", body: new URLSearchParams({ token: lt }), redirect: "manual" }).then(() => now());
  let text = "", tEvent;
  for (;;) { const { value, done } = await reader.read(); if (done) break; text += value; if (text.includes('"complete"')) { tEvent = now(); break; } }
  const tPost = await post;
  const t2 = now();
  r = await fetch(`${base}/v1/client/sign_ups/${su.id}`, { headers: auth });
  await r.json();
  const t3 = now();
  if (i >= 3) rows.push({ post: tPost - t0, event: tEvent - t0, get: t3 - t2 });
  reader.cancel().catch(() => {});
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); const k = (s.length - 1) * p; const f = Math.floor(k); return s[f] + (s[Math.min(f + 1, s.length - 1)] - s[f]) * (k - f); };
for (const k of ["post", "event", "get"]) console.log(k.padEnd(6), "p50", q(rows.map((r) => r[k]), 0.5).toFixed(2), "p95", q(rows.map((r) => r[k]), 0.95).toFixed(2), "min", Math.min(...rows.map((r) => r[k])).toFixed(2));
await server.stop();
await rm(work, { recursive: true, force: true });
