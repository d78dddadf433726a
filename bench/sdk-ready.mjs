// The issue 10 §4 benchmark: how long a page waits until the SDK is ready,
// that is the module imported and `Gatehouse.load` resolved (which
// instantiates the wasm itself and loads the environment and the client),
// in a cold browser context.
//
//   node bench/sdk-ready.mjs        (`make bench` builds what it needs first)
//
// Headless Chromium (playwright-core): /usr/bin/chromium-headless-shell
// when installed and /usr/bin/chromium in --headless=new, each page in
// both, on localhost against the release gatehouse-server (not in dev mode; fresh SQLite file,
// rate limit raised), the page bench/page/ready.html, the production
// package served with --pkg. Each run is a new browser context (its own
// HTTP cache and cookies: nothing cached, no client yet), which opens the
// page and waits for the page's "done" console message (not by polling the
// page, which would inject Playwright's script into the time measured).
// RUNS runs of each page, interleaved (plain, preload, plain, ...) after
// WARMUP unmeasured ones:
//   - plain: the page's module script imports /pkg/gatehouse.js, then
//     `await Gatehouse.load(...)`;
//   - preload: the same, with the README's two hints in <head>
//     (modulepreload of the JS, preload of the wasm), so both downloads
//     start while the HTML is parsed;
//   - floor: the browser's own share on this machine, without the SDK
//     (bench/page/floor.html): an empty module imported, then the wasm
//     fetched and compiled and the environment and the client asked for,
//     all at once. ready minus the floor is what the SDK adds.
// The steps are timed in the page (performance.now()): import, init (only
// for a package that needs `await init()` first: the baseline, with
// BENCH_READY_BASELINE_INIT=1), load, and ready = import + init + load;
// "from navigation" adds the HTML's fetch and parse. Resource Timing gives
// each file's bytes on the wire.
//
// With BENCH_READY_BASELINE_SERVER and BENCH_READY_BASELINE_PKG, a second
// server with that binary and package is measured too, interleaved with
// the first run by run: a before/after of a change on a busy machine.
//
// Prints a table, writes the raw figures to target/bench/sdk-ready.json,
// and replaces its own section of docs/BENCHMARKS.md (between the
// "bench/sdk-ready.mjs" markers) unless BENCH_NO_DOC=1 or a baseline was
// measured.
//
// Environment: BENCH_READY_RUNS (30), BENCH_READY_WARMUP (3),
// GATEHOUSE_BENCH_SERVER (target/release/gatehouse-server),
// GATEHOUSE_BENCH_PKG (pkg), GATEHOUSE_E2E_CHROMIUM (/usr/bin/chromium),
// GATEHOUSE_BENCH_HEADLESS_SHELL (/usr/bin/chromium-headless-shell),
// BENCH_NO_DOC. Exits 1 if a run failed (the goal is reported, not enforced).

import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  CHROMIUM, OUT, ROOT, f1, launchChromium, machine, revision, say, startServer, summary, table, updateDoc,
} from "./support.mjs";

const RUNS = Number(process.env.BENCH_READY_RUNS || 30);
const WARMUP = Number(process.env.BENCH_READY_WARMUP ?? 3);
const GOAL_MS = 30;
const BEGIN = "<!-- bench/sdk-ready.mjs: begin (generated; `make bench` rewrites it) -->";
const END = "<!-- bench/sdk-ready.mjs: end -->";
const PAGES = [["plain", "/ready.html"], ["preload", "/ready.html?preload"], ["floor", "/floor.html"]];
/**
 * The browsers each page is opened in, interleaved: Debian's
 * chromium-headless-shell (no browser UI: a new context is a page and
 * nothing else, as a new tab in a running browser is) when it is
 * installed (`scripts/setup.sh bench` installs it), and the full browser
 * in `--headless=new`, whose every new context also builds a window's
 * omnibox (a WebUI of 100 to 400 `chrome://` requests in another
 * renderer) on the same cores while the page loads.
 */
const BROWSERS = [
  ["headless shell", process.env.GATEHOUSE_BENCH_HEADLESS_SHELL || "/usr/bin/chromium-headless-shell"],
  ["full browser", CHROMIUM],
].filter(([name, path]) => name === "full browser" || existsSync(path));
/** A browser and a page: the rows of the results. */
const VIEWS = BROWSERS.flatMap(([browser]) => PAGES.map(([page, path]) => [`${browser}, ${page}`, path, browser, page]));
/** The views the goal is about: the SDK's pages (the floor has no SDK). */
const SDK_VIEWS = VIEWS.filter(([, , , page]) => page !== "floor");
const isSdkView = (view) => SDK_VIEWS.some(([v]) => v === view);
/** The query a setup's pages get besides: `init` for a package that needs `await init()` before load. */
const queryOf = (setup) => (setup.twoAwaits ? "init" : "");
const STEPS = [
  ["import", (r) => r.t1 - r.t0],
  ["init", (r) => r.t2 - r.t1],
  ["load", (r) => r.t3 - r.t2],
  ["ready", (r) => r.t3 - r.t0],
  ["from navigation", (r) => r.t3],
];
/** Resource Timing: when a file's request started and its answer ended, in ms. */
const fetchMs = (suffix) => (r) => {
  const e = r.resources.find((x) => x.path.endsWith(suffix));
  return e ? e.end - e.start : NaN;
};
/** How long after the environment's request the client's was sent: the load's two requests overlap or not. */
const clientAfterEnvironment = (r) => {
  const at = (path) => r.resources.find((x) => x.path === path)?.start ?? NaN;
  return at("/v1/client") - at("/v1/environment");
};
const FETCHES = [
  ["js fetch", fetchMs(".js")], ["wasm fetch", fetchMs(".wasm")], ["environment fetch", fetchMs("/v1/environment")],
  ["client fetch", fetchMs("/v1/client")], ["client sent after environment's", clientAfterEnvironment],
];

const setups = [{
  name: "current",
  server: process.env.GATEHOUSE_BENCH_SERVER || join(ROOT, "target/release/gatehouse-server"),
  pkg: process.env.GATEHOUSE_BENCH_PKG || join(ROOT, "pkg"),
}];
if (process.env.BENCH_READY_BASELINE_SERVER || process.env.BENCH_READY_BASELINE_PKG) {
  setups.push({
    name: "baseline",
    server: process.env.BENCH_READY_BASELINE_SERVER || setups[0].server,
    pkg: process.env.BENCH_READY_BASELINE_PKG || setups[0].pkg,
    twoAwaits: process.env.BENCH_READY_BASELINE_INIT === "1",
  });
}

/** One cold context: opens PATH, answers the page's times and resources. */
async function oneRun(browser, base, path) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(e.message));
    const done = page.waitForEvent("console", { predicate: (m) => m.text() === "gatehouse-bench-done", timeout: 15_000 });
    await page.goto(base + path);
    await done;
    const r = await page.evaluate(() => window.ready ?? { error: window.readyError });
    if (problems.length) r.error = [r.error, ...problems].filter(Boolean).join("; ");
    return r;
  } finally {
    await context.close();
  }
}

/** Bytes on the wire and in the file, for the JS and the wasm of one run. */
function sizes(run) {
  const of = (suffix) => run.resources.find((e) => e.path.endsWith(suffix));
  return Object.fromEntries([["js", ".js"], ["wasm", ".wasm"]].map(([k, s]) => {
    const e = of(s);
    return [k, e ? { encoded: e.encoded, decoded: e.decoded, fetchMs: e.end - e.start } : null];
  }));
}

function docSection({ results, date, chromiumVersion, seconds, load, rev, sizesNow }) {
  const rows = [];
  for (const [view] of VIEWS) {
    const s = results.current[view];
    for (const [step] of [...STEPS, ...FETCHES]) {
      const x = s[step];
      rows.push(`| ${view} | ${step} | ${f1(x.p50)} ms | ${f1(x.p95)} ms | ${f1(x.min)} ms | ${f1(x.max)} ms |`);
    }
  }
  /** What the SDK adds to the browser's floor, per browser: plain ready minus floor ready (p50s). */
  const share = BROWSERS.map(([browser]) => {
    const p50 = (page) => results.current[`${browser}, ${page}`].ready.p50;
    return `${browser}: ${f1(p50("plain") - p50("floor"))} ms over a floor of ${f1(p50("floor"))} ms`;
  }).join("; ");
  const goal = (view) => {
    const p50 = results.current[view].ready.p50;
    return `${view} page ${p50 <= GOAL_MS ? "met" : "**missed**"} (${f1(p50)} ms)`;
  };
  const bytes = (x) => (x ? `${x.encoded.toLocaleString("en")} bytes on the wire (${x.decoded.toLocaleString("en")} decoded)` : "not seen");
  return `${BEGIN}
## SDK ready

\`make bench\` builds the package and the release server (as above), then
runs \`bench/sdk-ready.mjs\`: headless Chromium ${chromiumVersion}, ${BROWSERS.map(([n]) => n === "headless shell" ? "Debian's \`chromium-headless-shell\` (no browser UI: a new context is a page alone, as a new tab of a running browser is)" : "the full browser in \`--headless=new\` (each new context also builds a window's omnibox, a WebUI of 100 to 400 \`chrome://\` requests in another renderer, on the same cores while the page loads)").join(" and ")}, on
localhost against the **release** \`gatehouse-server\` (not in dev mode;
fresh SQLite file, rate limit raised to 100,000/s), the page
\`bench/page/ready.html\`. Each run is a new browser context (empty HTTP
cache, no cookie), which opens the page: its module script imports
\`/pkg/gatehouse.js\` (**import**; the wasm's fetch and compile start
there), then awaits \`Gatehouse.load\` (**load**: the wasm instantiated,
and the environment and the client, asked for while the wasm comes;
**init** is 0, kept for packages that needed \`await init()\` first).
**ready** is the whole, from the \`import()\` on, timed in the page with
\`performance.now()\`; **from navigation** also counts the HTML page's own
request and parse. The bench waits for the page's console message rather
than polling it (Playwright's polling compiles its injected script on the
page's main thread, tens of ms, inside the time measured). The
**preload** page has the README's two hints in its \`<head>\`
(\`<link rel="modulepreload">\` for the JS, \`<link rel="preload" as="fetch"
crossorigin>\` for the wasm); the **plain** page has none. The
**floor** page (\`bench/page/floor.html\`) is the browser's own share on
this machine, with no SDK: its module script imports an empty module, then
fetches and compiles the same wasm and asks for the environment and the
client (each answer's JSON read), all three at once. What the SDK adds to
it (plain ready minus floor ready, p50): ${share}. ${RUNS} runs of each
page in each browser, interleaved, after ${WARMUP} unmeasured ones of each; p50 and p95
interpolate between closest ranks.

| browser, page | step | p50 | p95 | min | max |
|---|---|---|---|---|---|
${rows.join("\n")}

The files of a run: JS ${bytes(sizesNow.js)}, wasm ${bytes(sizesNow.wasm)}.

Goal (issue 10): ready ≤ ${GOAL_MS} ms p50: ${SDK_VIEWS.map(([view]) => goal(view)).join("; ")}.

Measured ${date} at commit ${rev}, on ${machine()}; the script took
${seconds} s; load average ${load} (Chromium and the server share the
cores, so other work there shows in the figures). Raw figures:
\`target/bench/sdk-ready.json\`. Reproduce with \`make bench\`.
${END}`;
}

async function main() {
  const t = Date.now();
  const loadBefore = loadavg()[0];
  if (loadBefore > 1) say(`warning: load average ${loadBefore.toFixed(2)} before the run; other work on this machine shows in the figures`);
  for (const s of setups) {
    if (!existsSync(join(s.pkg, "gatehouse.js"))) throw new Error(`the package is missing (${s.pkg}); run \`make bench\``);
  }
  const work = await mkdtemp(join(tmpdir(), "gatehouse-bench-ready-"));
  const servers = [];
  const browsers = {};
  try {
    // Every request comes from 127.0.0.1: the default burst of 200 would
    // not last the run.
    const config = "[rate_limit]\nper_second = 100000\nburst = 100000\n";
    for (const s of setups) {
      const args = (base) => ["--public-origin", base, "--www", join(ROOT, "bench/page"), "--pkg", s.pkg];
      const server = await startServer({ server: s.server, work, name: `sdk-ready-${s.name}`, config, args });
      servers.push(server);
      s.base = server.base;
      say(`${s.name}: server ${s.server} at ${s.base}, package ${s.pkg}`);
    }
    for (const [name, path] of BROWSERS) browsers[name] = await launchChromium(path);
    say(`${WARMUP} warm-up and ${RUNS} measured cold contexts of each page in each browser (${BROWSERS.map(([n, p]) => `${n}: ${p}`).join(", ")})${setups.length > 1 ? " and server" : ""}, interleaved`);
    const runs = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const s of setups) {
        for (const [view, path, browser] of VIEWS) {
          const query = queryOf(s);
          const r = await oneRun(browsers[browser], s.base, query ? `${path}${path.includes("?") ? "&" : "?"}${query}` : path);
          if (r.error) say(`run ${i} ${s.name} ${view} failed: ${r.error}`);
          if (i >= WARMUP) runs.push({ setup: s.name, page: view, ...r });
        }
      }
      if ((i + 1) % 10 === 0) say(`  ${i + 1}/${WARMUP + RUNS}`);
    }
    const failed = runs.filter((r) => r.error);
    const results = {};
    for (const s of setups) {
      results[s.name] = {};
      for (const [view] of VIEWS) {
        const ok = runs.filter((r) => r.setup === s.name && r.page === view && !r.error);
        results[s.name][view] = Object.fromEntries([...STEPS, ...FETCHES].map(([step, of]) => [step, summary(ok.map(of))]));
      }
    }
    const seconds = Math.round((Date.now() - t) / 1000);
    const load = `${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`;
    const sizesNow = sizes(runs.find((r) => r.setup === "current" && isSdkView(r.page) && !r.error) ?? { resources: [] });

    console.log();
    const head = ["ms", "n", ...[...STEPS, ...FETCHES].map(([s]) => `${s} p50`), "ready p95"];
    const lines = [];
    for (const s of setups) {
      for (const [view] of VIEWS) {
        const x = results[s.name][view];
        lines.push([`${s.name} ${view}`, x.ready.n, ...[...STEPS, ...FETCHES].map(([step]) => f1(x[step].p50)), f1(x.ready.p95)]);
      }
    }
    console.log(table([head, ...lines]));
    console.log();
    for (const s of setups) {
      const z = sizes(runs.find((r) => r.setup === s.name && isSdkView(r.page) && !r.error) ?? { resources: [] });
      say(`${s.name}: js ${z.js?.encoded}/${z.js?.decoded} bytes, wasm ${z.wasm?.encoded}/${z.wasm?.decoded} bytes (on the wire/decoded)`);
    }
    for (const [view] of SDK_VIEWS) {
      const p50 = results.current[view].ready.p50;
      say(`goal ready p50 <= ${GOAL_MS} ms, ${view} page: ${p50 <= GOAL_MS ? "met" : "MISSED"} (${f1(p50)} ms)`);
    }
    say(`failed runs: ${failed.length}; ${seconds} s in all; load average (1 min) ${load}`);

    const chromiumVersion = Object.values(browsers)[0].version();
    const rev = revision();
    const date = new Date().toISOString().slice(0, 10);
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, "sdk-ready.json"), JSON.stringify({ date, rev, machine: machine(), load, chromiumVersion, RUNS, WARMUP, setups, results, runs }, null, 2));
    if (failed.length) {
      console.error(`[bench] ${failed.length} runs failed; docs/BENCHMARKS.md left as it was`);
      process.exitCode = 1;
    } else if (process.env.BENCH_NO_DOC || setups.length > 1) {
      say("BENCH_NO_DOC set or a baseline measured: docs/BENCHMARKS.md left as it was");
    } else {
      await updateDoc(BEGIN, END, docSection({ results, date, chromiumVersion, seconds, load, rev, sizesNow }));
      say("docs/BENCHMARKS.md updated");
    }
  } finally {
    for (const b of Object.values(browsers)) await b.close();
    for (const s of servers) await s.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
