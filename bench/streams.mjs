// The issue 10 streams benchmark: 10,000 sign-up event streams waiting on
// one server, its memory while they wait, and how fast a change still wakes
// its stream.
//
//   node bench/streams.mjs        (`make bench` builds the server first)
//
// One Node process against a real release gatehouse-server in dev mode (a
// fresh SQLite file in a temporary directory). The caps are raised through
// its config, never turned off: the rate limit (every request comes from
// 127.0.0.1), `[events] max_per_ip` (all streams share that IP) and
// `max_per_node`. The per-client cap stays: each stream is its own client.
//
// 1. STREAMS sign-ups, each of a new client (bearer mode: POST
//    /v1/client/sign_ups with an email address only, so no password hash),
//    and WAKE more with a password, their email code prepared.
// 2. An event stream for each (`GET /v1/client/sign_ups/{id}/events`), all
//    open at once, each on its own keep-alive HTTP/1.1 connection (one
//    Node `http.Agent` with keepAlive); each stream's first event is read.
// 3. The server's RSS (`VmRSS` of /proc/PID/status) before the sign-ups,
//    after them, and with every stream open (after a settle).
// 4. Wake-up: one at a time, each WAKE sign-up is completed (its code read
//    from the dev outbox, then POST attempt_verification) while all the
//    other streams wait; the time is from just before that POST to its
//    stream's `complete` event, and the POST's own answer is timed beside it.
//
// Prints a table, writes the raw figures to target/bench/streams.json, and
// replaces its own section of docs/BENCHMARKS.md (between the
// "bench/streams.mjs" markers) unless BENCH_NO_DOC=1.
//
// Environment: BENCH_STREAMS (10000), BENCH_WAKE (30),
// GATEHOUSE_BENCH_SERVER (target/release/gatehouse-server), BENCH_NO_DOC.
// Exits 1 if a stream or a wake-up failed (the goals are reported, not
// enforced).

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as support from "./support.mjs";
import { OUT, ROOT, revision, updateDoc } from "./support.mjs";

const STREAMS = Number(process.env.BENCH_STREAMS || 10_000);
const WAKE = Number(process.env.BENCH_WAKE || 30);
const SERVER = process.env.GATEHOUSE_BENCH_SERVER || join(ROOT, "target/release/gatehouse-server");
const BEGIN = "<!-- bench/streams.mjs: begin (generated; `make bench` rewrites it) -->";
const END = "<!-- bench/streams.mjs: end -->";
/** How many requests are in flight at once while setting up. */
const PARALLEL = 32;
const GOAL_RSS_MB = 200;
const GOAL_WAKE_MS = 50;

const say = (...a) => console.log("[streams]", ...a);


/** Starts the server in dev mode with its own database, the caps raised;
 * answers { port, pid, stop }. */
function startServer(work) {
  const streams = STREAMS + WAKE + 100;
  const config = [
    "[rate_limit]", "per_second = 100000", "burst = 1000000",
    "sensitive_per_minute = 1000000", "sensitive_burst = 1000000",
    "[events]", `max_per_ip = ${streams}`, `max_per_node = ${streams}`, "",
  ].join("\n");
  return support.startServer({ server: SERVER, work, name: "streams-server", config, args: ["--dev"] });
}

/** The server's resident memory now, and its peak, in MB (10^6 bytes). */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))[1]);
  return { rssMb: (kb("VmRSS") * 1024) / 1e6, peakMb: (kb("VmHWM") * 1024) / 1e6 };
}

/** One JSON request on `agent`; answers { status, headers, json }. */
function request(agent, port, method, path, { token, body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    else headers["gatehouse-token-mode"] = "bearer";
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    if (data) {
      headers["content-type"] = "application/json";
      headers["content-length"] = data.length;
    }
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

async function ok(promise, what) {
  const r = await promise;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
  return r;
}

/** A new client's sign-up; answers { id, token }. */
async function signUp(agent, port, n, password) {
  const body = { email_address: `stream-${n}-${Date.now().toString(36)}@example.com` };
  if (password) body.password = `bench-Passw0rd-${n}-long`;
  const r = await ok(request(agent, port, "POST", "/v1/client/sign_ups", { body }), "create");
  const token = r.headers["gatehouse-client"];
  if (!token) throw new Error("create: no Gatehouse-Client token in bearer mode");
  return { id: r.json.response.id, token, email: body.email_address };
}

/** Runs `job(i)` for i in 0..count, `parallel` at a time. */
async function inParallel(count, job, parallel = PARALLEL) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

/**
 * Opens the event stream of `su` on its own connection; answers a stream
 * object whose `first` promise resolves once the first event came, and
 * whose `waitFor(status)` resolves at the first later event with that
 * sign-up status (with performance.now() of its arrival).
 */
function openStream(agent, port, su) {
  return new Promise((resolve, reject) => {
    const headers = { accept: "text/event-stream", authorization: `Bearer ${su.token}` };
    const req = http.request({ host: "127.0.0.1", port, method: "GET", path: `/v1/client/sign_ups/${su.id}/events`, headers, agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`events: ${res.statusCode}`));
        return;
      }
      res.setEncoding("utf8");
      const stream = { events: [], waiters: [], ended: false, req };
      let text = "";
      let firstSeen;
      stream.first = new Promise((r) => (firstSeen = r));
      stream.waitFor = (status) => new Promise((r, j) => {
        stream.waiters.push({ status, r, j });
      });
      res.on("data", (chunk) => {
        const at = performance.now();
        text += chunk;
        for (let end; (end = text.indexOf("\n\n")) >= 0; ) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
          if (!data) continue;
          const event = JSON.parse(data).response;
          stream.events.push({ at, status: event.status });
          firstSeen();
          stream.waiters = stream.waiters.filter((w) => {
            if (w.status !== event.status) return true;
            w.r(at);
            return false;
          });
        }
      });
      res.on("end", () => {
        stream.ended = true;
        for (const w of stream.waiters) w.j(new Error("the stream ended"));
      });
      res.on("error", () => {});
      resolve(stream);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The latest code sent to `email`, from the dev outbox. */
async function code(agent, port, email) {
  for (let i = 0; i < 200; i++) {
    const r = await ok(request(agent, port, "GET", "/v1/dev/outbox"), "outbox");
    const m = r.json.filter((x) => x.to === email && x.code).at(-1);
    if (m) return m.code;
    await sleep(10);
  }
  throw new Error(`no code for ${email} in the outbox`);
}

const quantile = (sorted, q) => {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p95: quantile(s, 0.95), min: s[0], max: s[s.length - 1], n: s.length };
};
const ms = (x) => `${x.toFixed(1)} ms`;
const mb = (x) => `${x.toFixed(1)} MB`;
const int = (x) => x.toLocaleString("en-US");


function section(r) {
  const goalRss = r.memory.streams.rssMb <= GOAL_RSS_MB ? "met" : "not met";
  const goalWake = r.wake.p50 <= GOAL_WAKE_MS ? "met" : "not met";
  return `${BEGIN}
## 10,000 event streams on one node

\`make bench\` builds the release server (\`cargo build --release -p
gatehouse-server\`), then runs \`bench/streams.mjs\`: one Node process
against the **release** \`gatehouse-server\` in dev mode (fresh SQLite
file; the rate limit, \`[events] max_per_ip\` and \`max_per_node\` raised
through its config). It makes ${int(r.streams)} sign-ups, each of its own
client (bearer mode, an email address only), opens the event stream of
each, all at once, each on its own keep-alive connection, and reads each
stream's first event. The server's memory is \`VmRSS\` from
\`/proc/PID/status\` (MB = 10^6 bytes).

| server memory | RSS |
|---|---|
| started, before any sign-up | ${mb(r.memory.start.rssMb)} |
| after the ${int(r.streams + r.wakeRuns)} sign-ups | ${mb(r.memory.signedUp.rssMb)} |
| with ${int(r.open)} streams open | **${mb(r.memory.streams.rssMb)}** (peak of the run ${mb(r.memory.streams.peakMb)}) |
| per open stream | ${(((r.memory.streams.rssMb - r.memory.signedUp.rssMb) * 1e6) / r.open / 1024).toFixed(1)} KiB |

Opening them took ${(r.openMs / 1000).toFixed(1)} s. Then, while they all
waited, ${r.wakeRuns} more sign-ups (with a password, their email code
prepared, each with its own stream) were completed one at a time: the
code read from the dev outbox, then \`POST .../attempt_verification\`.
The wake-up is from just before that POST to the arrival of the stream's
\`complete\` event.

| with ${int(r.open)} streams open | p50 | p95 | min | max |
|---|---|---|---|---|
| attempt POST → its stream's \`complete\` event | **${ms(r.wake.p50)}** | ${ms(r.wake.p95)} | ${ms(r.wake.min)} | ${ms(r.wake.max)} |
| *for scale: the POST's own answer* | ${ms(r.post.p50)} | ${ms(r.post.p95)} | ${ms(r.post.min)} | ${ms(r.post.max)} |

Goals (issue 10): ≤ ${GOAL_RSS_MB} MB RSS with 10,000 streams: ${goalRss}
(${mb(r.memory.streams.rssMb)}); wake-up ≤ ${GOAL_WAKE_MS} ms p50: ${goalWake} (${ms(r.wake.p50)}).

Measured ${r.date} at commit ${r.rev} with the server binary
\`${r.server}\`, on this machine (${r.machine}); the
script took ${r.seconds} s; load average ${r.load[0].toFixed(2)} before,
${r.load[1].toFixed(2)} after (the client and the server share the cores).
Raw figures: \`target/bench/streams.json\`. Reproduce with \`make bench\`
(or \`node bench/streams.mjs\` after \`cargo build --release -p gatehouse-server\`).
${END}`;
}


/** Each side holds one socket per stream: the open-files limit must allow them. */
function checkFileLimit() {
  const limits = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+)/m);
  const need = STREAMS + WAKE + 200;
  if (limits && Number(limits[1]) < need) {
    throw new Error(`the open-files limit is ${limits[1]}, below the ${need} sockets needed: raise it (ulimit -n ${need})`);
  }
}

async function main() {
  checkFileLimit();
  const t = Date.now();
  const loadBefore = loadavg()[0];
  const work = await mkdtemp(join(tmpdir(), "gatehouse-streams-"));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const setup = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
  let server;
  const streams = [];
  try {
    server = await startServer(work);
    const { port, pid } = server;
    say(`server ${SERVER} at 127.0.0.1:${port} (pid ${pid})`);
    await sleep(500);
    const memory = { start: rss(pid) };

    say(`${STREAMS} sign-ups without a password, ${WAKE} with one`);
    const plain = await inParallel(STREAMS, (i) => signUp(setup, port, i, false));
    // Two at a time: a password hash holds a slot (one per core) for a while.
    const wakers = await inParallel(WAKE, (i) => signUp(setup, port, `w${i}`, true), 2);
    await inParallel(WAKE, (i) => ok(request(setup, port, "POST", `/v1/client/sign_ups/${wakers[i].id}/prepare_verification`,
      { token: wakers[i].token, body: { strategy: "email_code" } }), "prepare"));
    memory.signedUp = rss(pid);

    say(`opening ${STREAMS + WAKE} event streams`);
    const opened = performance.now();
    const all = [...plain, ...wakers];
    const mine = await inParallel(all.length, async (i) => {
      const s = await openStream(agent, port, all[i]);
      streams.push(s);
      await s.first;
      return s;
    });
    const openMs = performance.now() - opened;
    const open = (await ok(request(setup, port, "GET", "/v1/dev/event_streams"), "event_streams")).json.open;
    say(`${open} streams open (server's count) in ${(openMs / 1000).toFixed(1)} s`);
    await sleep(2000);
    memory.streams = rss(pid);
    say(`RSS ${mb(memory.streams.rssMb)} with ${open} streams open`);

    say(`wake-up: completing ${WAKE} sign-ups one at a time`);
    const wakes = [];
    const posts = [];
    for (let i = 0; i < WAKE; i++) {
      const su = wakers[i];
      const stream = mine[STREAMS + i];
      const c = await code(setup, port, su.email);
      const woke = stream.waitFor("complete");
      const t0 = performance.now();
      const answer = request(setup, port, "POST", `/v1/client/sign_ups/${su.id}/attempt_verification`,
        { token: su.token, body: { strategy: "email_code", code: c } }).then((r) => ({ r, at: performance.now() }));
      const [t1, posted] = await Promise.all([woke, answer]);
      if (posted.r.status !== 200 || posted.r.json.response.status !== "complete") {
        throw new Error(`attempt: ${posted.r.status} ${posted.r.text.slice(0, 200)}`);
      }
      wakes.push(t1 - t0);
      posts.push(posted.at - t0);
    }
    const stillOpen = mine.slice(0, STREAMS).filter((s) => !s.ended).length;
    if (stillOpen !== STREAMS) throw new Error(`${STREAMS - stillOpen} streams ended early`);

    const r = {
      date: new Date().toISOString().slice(0, 10),
      rev: revision(),
      machine: `${cpus().length} cores, ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
      server: SERVER.startsWith(ROOT) ? SERVER.slice(ROOT.length) : SERVER,
      streams: STREAMS, wakeRuns: WAKE, open, openMs, memory,
      wake: stats(wakes), post: stats(posts), raw: { wakes, posts },
    };
    for (const s of streams) s.req.destroy();
    await server.stop();
    server = null;
    r.load = [loadBefore, loadavg()[0]];
    r.seconds = Math.round((Date.now() - t) / 1000);
    await writeFile(join(OUT, "streams.json"), JSON.stringify(r, null, 2));
    console.log(`
| what | figure |
|---|---|
| RSS, started | ${mb(memory.start.rssMb)} |
| RSS, after ${int(STREAMS + WAKE)} sign-ups | ${mb(memory.signedUp.rssMb)} |
| RSS, ${int(open)} streams open | ${mb(memory.streams.rssMb)} (peak ${mb(memory.streams.peakMb)}) |
| wake-up p50 / p95 / max | ${ms(r.wake.p50)} / ${ms(r.wake.p95)} / ${ms(r.wake.max)} |
| the POST's answer p50 | ${ms(r.post.p50)} |`);
    if (process.env.BENCH_NO_DOC) say("BENCH_NO_DOC set: docs/BENCHMARKS.md left as it was");
    else {
      await updateDoc(BEGIN, END, section(r));
      say("rewrote its section of docs/BENCHMARKS.md");
    }
  } finally {
    for (const s of streams) s.req.destroy();
    agent.destroy();
    setup.destroy();
    if (server) await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error("[streams] failed:", e);
  process.exit(1);
});
