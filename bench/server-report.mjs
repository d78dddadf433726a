// Turns bench/server.sh's results into tables: prints them, and replaces
// the section of docs/BENCHMARKS.md between the "bench/server.sh" markers
// (added after the magic link's section the first time) unless
// BENCH_NO_DOC=1.
//
//   node bench/server-report.mjs target/bench/server
//
// Reads DIR/results.jsonl (the generator's lines, one per run) and, when the
// peer ran, DIR/peer.jsonl (its driver's lines) and DIR/peer-env.txt.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOC = join(ROOT, "docs/BENCHMARKS.md");
const BEGIN = "<!-- bench/server.sh: begin (generated; `make bench` rewrites it) -->";
const END = "<!-- bench/server.sh: end -->";
const AFTER = "<!-- bench/magic-link.mjs: end -->";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node bench/server-report.mjs DIR");
const lines = (path) => existsSync(path)
  ? readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l))
  : [];
const rows = lines(join(dir, "results.jsonl"));
const peerRows = lines(join(dir, "peer.jsonl"));
const peerEnv = existsSync(join(dir, "peer-env.txt")) ? readFileSync(join(dir, "peer-env.txt"), "utf8") : "";

const machine = rows.find((r) => r.kind === "machine") ?? {};
// Measured at the start and at the end: the better one is the ceiling.
const ends = rows.filter((r) => r.kind === "argon2" && !r.label.startsWith("beside/"));
const argon2 = ends.reduce((a, b) => (!a || b.per_s > a.per_s ? b : a), null);
const argon2All = ends.map((r) => r.per_s.toFixed(1)).join(" and ");
// A password cell's own ceilings, measured just before and after each of its runs.
const beside = (setup, mode, c) => mean(rows.filter((r) => r.kind === "argon2" && r.label.startsWith(`beside/${setup}/${mode}/c${c}/`)).map((r) => r.per_s));
const gets = rows.filter((r) => r.kind === "get");
const flows = rows.filter((r) => r.kind === "flows" && r.label !== "hold");
const hold = rows.find((r) => r.kind === "flows" && r.label === "hold");
const holdLog = rows.find((r) => r.kind === "hold_log");
const wakeups = rows.filter((r) => r.kind === "wakeup");
const wal = rows.find((r) => r.kind === "wal_frames");

const f0 = (x) => (x == null || Number.isNaN(x) ? "-" : Math.round(x).toLocaleString("en-US"));
const f1 = (x) => (x == null || Number.isNaN(x) ? "-" : x.toFixed(1));
const f2 = (x) => (x == null || Number.isNaN(x) ? "-" : x.toFixed(2));
const ratio = (a, b) => (a == null || !b ? "-" : `${(a / b).toFixed(a / b < 10 ? 2 : 1)}×`);
const pct = (a, b) => (a == null || !b ? "-" : `${((100 * a) / b).toFixed(0)}%`);
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const step = (r, name, key) => r?.steps?.[name]?.[key];
const lat = (r, name) => `${f1(step(r, name, "p50_ms"))} / ${f1(step(r, name, "p99_ms"))}`;
const errorsOf = (rs) => {
  const all = {};
  for (const r of rs) for (const [k, n] of Object.entries(r.errors ?? {})) all[k] = (all[k] ?? 0) + n;
  const list = Object.entries(all).map(([k, n]) => `${k}: ${n}`);
  return list.length ? list.join(", ") : "0";
};

const healthzBest = gets.reduce((best, r) => (!best || r.per_s > best.per_s ? r : best), null);
const setupName = { sqlite: "SQLite, 1 node", pg: "PostgreSQL, 1 node", pg2: "PostgreSQL, 2 nodes" };
const modeName = { nopw: "no password", pw: "argon2id password" };
const peerMode = { nopw: "signup-nopw", pw: "signup" };
const peerCell = (mode, c) => peerRows.filter((r) => r.mode === mode && r.concurrency === c && r.label.startsWith("gunicorn-sync"));
const peerRate = (mode, c) => mean(peerCell(mode, c).map((r) => r.per_s));

// Cells: setup/mode/round labels "sqlite/nopw/r1".
const cells = new Map();
for (const r of flows) {
  const [setup, mode] = r.label.split("/");
  const key = `${setup}|${mode}|${r.concurrency}`;
  if (!cells.has(key)) cells.set(key, { setup, mode, c: r.concurrency, runs: [] });
  cells.get(key).runs.push(r);
}

const out = [];
out.push(BEGIN);
out.push("## Server load: sign-up flows against django-allauth");
out.push("");
out.push(`Measured ${machine.date ?? "?"} on this machine: ${machine.nproc ?? "?"} cores (${machine.cpu ?? "?"}), commit ${machine.commit ?? "?"}, the server built with \`--profile ${machine.server_profile ?? "?"}\`. Command: \`make bench\`, which runs \`bench/server.sh\` (settings in its header; this run: ${machine.duration_s ?? "?"} s per cell after ${machine.warmup_s ?? "?"} s of warm-up). The generator is \`bench/load\` (\`gatehouse-load\`, one thread, each worker on a keep-alive hyper connection of its own to each node, closed loop); every cell starts its server(s) on a fresh database, outside dev mode, with the codes read from the delivery sink (\`[delivery] sink_dir\`) and the rate limits and message budget raised through config (every request comes from 127.0.0.1).`);
out.push("");
if ((machine.duration_s ?? 30) < 30 || !machine.peer) {
  out.push(`**A short run** (${machine.duration_s} s cells${machine.peer ? "" : ", no peer"}): it shows the tool works; its figures are not for quoting. \`make bench\` with the defaults gives the figures.`);
  out.push("");
}
out.push("### Ceilings, same run");
out.push("");
out.push("| ceiling | command | result |");
out.push("|---|---|---|");
if (argon2) out.push(`| raw argon2id, server parameters (m=19 MiB, t=2, p=1), ${argon2.threads} threads | \`gatehouse-load argon2 -d ${f0(argon2.seconds)}\` | **${f1(argon2.per_s)} hashes/s** (the better of ${argon2All}, at the start and the end) |`);
for (const g of gets) out.push(`| \`GET /healthz\`, one SQLite node, c=${g.concurrency} | \`gatehouse-load get --base URL -c ${g.concurrency} -d ${g.duration_s}\` | **${f0(g.per_s)} req/s** (p50 ${f2(step(g, "get", "p50_ms"))} ms, p99 ${f2(step(g, "get", "p99_ms"))} ms, errors ${errorsOf([g])}) |`);
const pings = peerRows.filter((r) => r.mode === "ping");
if (pings.length) {
  const best = pings.reduce((a, b) => (b.per_s > a.per_s ? b : a));
  out.push(`| the peer's trivial view (\`/ping\`), best cell | its \`run.sh\` | ${f0(best.per_s)} req/s (${best.label.split("/")[0]}, c=${best.concurrency}) |`);
}
out.push("");
out.push("### Complete email-code sign-ups");
out.push("");
out.push("A flow: `POST /v1/client/sign_ups` (an unused address; with a password in the argon2id rows), `prepare_verification` (`email_code`), the code read from the sink, `attempt_verification`, which answers the sign-up `complete` (user and session made). Each flow is a fresh client (bearer mode, no token). On two nodes the flow's requests alternate between them. Command per cell: `gatehouse-load flows --base URL [--base URL2] --sink DIR -c C -d " + (machine.duration_s ?? "D") + " [--password]`.");
out.push("");
const rounds = machine.peer ? "round 1, round 2 (the peer ran between them); mean" : "one round";
out.push(`| backend | mode | c | flows/s (${rounds}) | vs the peer | vs its ceiling | create p50 / p99 ms | prepare p50 / p99 | attempt p50 / p99 | flow p50 / p99 / max | errors |`);
out.push("|---|---|---|---|---|---|---|---|---|---|---|");
const order = (k) => ["sqlite", "pg", "pg2"].indexOf(k);
for (const cell of [...cells.values()].sort((a, b) => order(a.setup) - order(b.setup) || a.mode.localeCompare(b.mode) || a.c - b.c)) {
  // A round's rate: its flows over its seconds (a password cell runs in slices).
  const byRound = new Map();
  for (const r of cell.runs) {
    const round = byRound.get(r.label) ?? { done: 0, seconds: 0 };
    byRound.set(r.label, { done: round.done + r.done, seconds: round.seconds + r.duration_s });
  }
  const rates = [...byRound.values()].map((r) => r.done / r.seconds);
  const m = mean(rates);
  const last = cell.runs.at(-1);
  const peer = peerRate(peerMode[cell.mode], cell.c);
  // Password flows: one hash each, against the raw hashes/s. Others: three
  // requests each, against GET /healthz's best requests/s.
  const own = cell.mode === "pw" ? beside(cell.setup, cell.mode, cell.c) : null;
  const ceiling = cell.mode !== "pw"
    ? pct(m * 3, healthzBest?.per_s) + " of /healthz (3 req/flow)"
    : own
      ? `**${f1((100 * m) / own)}%** of argon2id beside it (${f1(own)}/s)`
      : pct(m, argon2?.per_s) + " of argon2id";
  out.push(`| ${setupName[cell.setup] ?? cell.setup} | ${modeName[cell.mode] ?? cell.mode} | ${cell.c} | ${rates.map(f1).join(", ")}${rates.length > 1 ? `; **${f1(m)}**` : ""} | ${ratio(m, peer)} | ${ceiling} | ${lat(last, "create")} | ${lat(last, "prepare")} | ${lat(last, "attempt")} | ${lat(last, "flow")} / ${f1(step(last, "flow", "max_ms"))} | ${errorsOf(cell.runs)} |`);
}
out.push("");
out.push("Latencies are from the last round. \"vs the peer\": our mean over the peer's figure for the same mode and concurrency in this run (the peer runs on SQLite). A password cell's ceiling is its own, since this machine's argon2id rate moves by a tenth within seconds: each round of the cell runs in " + (machine.pw_slices ?? 1) + " slices of flows on its one node, with raw argon2id (`gatehouse-load argon2 -d 4`) for 4 s before, between and after them, and the ceiling is the mean of those; a round's rate is its flows over its slices' seconds. Errors are counted by step and HTTP status over every round.");
out.push("");
if (hold) {
  // Every status the generator saw that is not the step's success, by step: a 5xx among them is the server's.
  const serverErrors = Object.entries(hold.errors ?? {}).filter(([k]) => /\b5\d\d\b/.test(k)).reduce((n, [, v]) => n + v, 0);
  const p99 = Math.max(...["create", "prepare", "attempt"].map((s) => step(hold, s, "p99_ms") ?? 0));
  out.push("### The load held");
  out.push("");
  out.push(`One SQLite node on a fresh database, the flows above without a password, 64 concurrent for ${f0(hold.duration_s)} s from a cold start (no warm-up: every answer counts). Command: \`gatehouse-load flows --base URL --sink DIR -c 64 -d ${f0(hold.duration_s)} --warmup 0\`. Goal (issue 10): 0 answers 5xx, 0 errors. The server's log (\`RUST_LOG=warn\`, text) is read for its ERROR lines afterwards.`);
  out.push("");
  out.push("| flows | flows/s | request p99 ms (worst step) | flow p50 / p99 / max ms | 5xx | errors | ERROR lines in the server's log |");
  out.push("|---|---|---|---|---|---|---|");
  out.push(`| ${f0(hold.done)} | **${f1(hold.per_s)}** | ${f1(p99)} | ${lat(hold, "flow")} / ${f1(step(hold, "flow", "max_ms"))} | **${serverErrors}** | **${errorsOf([hold])}** | ${holdLog?.error_lines ?? "-"} |`);
  out.push("");
}
if (wal) {
  out.push("### What a flow writes to SQLite's WAL");
  out.push("");
  out.push(`One SQLite node, the flows above without a password one at a time (c=1) for 3 s after a warm-up, the server's \`pwrite\`s read by \`strace -f -e trace=pwrite64 -xx -s 24 -p PID\`: each WAL frame's 24-byte header names its page and marks a commit's last frame; \`bench/wal-frames.py\` reads them and names each page's B-tree with SQLite's \`dbstat\`. ${f0(wal.flows)} flows made ${f0(wal.commits)} commits and **${f0(wal.frames)} frames** of ${wal.page_size} bytes: **${f2(wal.commits / wal.flows)} commits and ${f1(wal.frames / wal.flows)} frames per flow**.`);
  out.push("");
  out.push("| B-tree (table or index) | frames per flow |");
  out.push("|---|---|");
  for (const [name, n] of Object.entries(wal.by_tree).slice(0, 12)) out.push(`| \`${name}\` | ${f2(n)} |`);
  out.push("");
}
if (peerRows.length) {
  out.push("### The peer in the same run: django-allauth headless");
  out.push("");
  const env = peerEnv.split("\n").filter((l) => /django|allauth|gunicorn|argon2|workers|Python/i.test(l)).map((l) => l.trim()).join("; ");
  out.push(`\`${"/work/shared/peers/allauth/run.sh"}\` (its README): Django + django-allauth headless, SQLite in WAL mode, gunicorn sync workers, argon2id at the same parameters, codes captured to files, its own Rust closed-loop driver. ${env}`);
  out.push("");
  out.push("| mode | c | flows/s | signup p50 / p99 ms | verify p50 / p99 | flow p50 / p99 | errors |");
  out.push("|---|---|---|---|---|---|---|");
  for (const r of peerRows.filter((r) => r.mode !== "ping")) {
    out.push(`| ${r.mode} | ${r.concurrency} | ${f1(r.per_s)} | ${lat(r, "signup")} | ${lat(r, "verify")} | ${lat(r, "flow")} | ${r.errors} |`);
  }
  out.push("");
}
if (wakeups.length) {
  out.push("### Email link wake-up");
  out.push("");
  out.push("A fresh client creates a sign-up on node A, prepares an `email_link`, opens `GET /v1/client/sign_ups/{id}/events` on node A and reads its first event; the link is read from the sink and `POST /v1/verify` sent to node B (two PostgreSQL nodes: the notice goes through `pg_notify` and node A's `LISTEN` task) or to node A itself (one SQLite node: the in-process hub). The time is from just before the POST to the event showing the address verified, on the generator's clock. Runs one after another, after 5 unmeasured ones. Command: `gatehouse-load wakeup --waiting A --confirming B --sink DIR --runs N`. Goal (issue 9): p50 ≤ 100 ms across nodes.");
  out.push("");
  out.push("| setup | runs | p50 ms | p95 ms | max ms | errors |");
  out.push("|---|---|---|---|---|---|");
  for (const w of wakeups) {
    const name = w.label === "pg2" ? "PostgreSQL, wait on A, confirm through B" : "SQLite, one node";
    out.push(`| ${name} | ${w.runs} | ${f1(step(w, "wakeup", "p50_ms"))} | ${f1(step(w, "wakeup", "p95_ms"))} | ${f1(step(w, "wakeup", "max_ms"))} | ${errorsOf([w])} |`);
  }
  out.push("");
}
out.push(END);
const section = out.join("\n");
console.log(section);

if (process.env.BENCH_NO_DOC !== "1") {
  const doc = readFileSync(DOC, "utf8");
  let next;
  if (doc.includes(BEGIN) && doc.includes(END)) {
    next = doc.slice(0, doc.indexOf(BEGIN)) + section + doc.slice(doc.indexOf(END) + END.length);
  } else if (doc.includes(AFTER)) {
    const at = doc.indexOf(AFTER) + AFTER.length;
    next = doc.slice(0, at) + "\n\n" + section + doc.slice(at);
  } else {
    next = doc.trimEnd() + "\n\n" + section + "\n";
  }
  writeFileSync(DOC, next);
  console.log(`[bench/server] rewrote its section of ${DOC}`);
}
