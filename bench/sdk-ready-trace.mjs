// What one cold load of bench/page/ready.html is made of: a Chromium trace
// of RUNS cold contexts (the first unprinted, a warm-up), each printed as a
// timeline of the page's renderer from the navigation on: its requests
// (sent, answered, finished, with sizes), the wasm's compile and
// instantiation, and every task over MIN_MS (default 0.4 ms). Not part of
// `make bench`; the figures of docs/BENCHMARKS.md's "what the rest is made
// of" came from it.
//
//   node bench/sdk-ready-trace.mjs [RUNS]      (after `make bench-build`)
//
// Environment: GATEHOUSE_BENCH_SERVER, GATEHOUSE_BENCH_PKG (as
// bench/sdk-ready.mjs), READY_QUERY (e.g. "preload"), MIN_MS.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, launchChromium, startServer } from "./support.mjs";

const RUNS = Number(process.argv[2] || 3);
const MIN_US = Number(process.env.MIN_MS || 0.4) * 1000;
const server = process.env.GATEHOUSE_BENCH_SERVER || join(ROOT, "target/release/gatehouse-server");
const pkg = process.env.GATEHOUSE_BENCH_PKG || join(ROOT, "pkg");
const path = `/ready.html${process.env.READY_QUERY ? `?${process.env.READY_QUERY}` : ""}`;
const CATEGORIES = ["devtools.timeline", "v8", "v8.execute", "loading", "disabled-by-default-devtools.timeline",
  "disabled-by-default-v8.compile", "v8.wasm", "disabled-by-default-v8.wasm.detailed", "navigation", "blink"];
const NOISE = /^(ThreadControllerImpl|RunTask|TaskGraphRunner|MessageLoop|SequenceManager|ThreadPool|Scheduler|toplevel|ThrottlingURLLoader|MojoURLLoaderClient|ResourceRequestSender|URLLoader::Context)/;

const work = await mkdtemp(join(tmpdir(), "gatehouse-bench-trace-"));
const s = await startServer({
  server, work, name: "sdk-ready-trace", config: "[rate_limit]\nper_second = 100000\nburst = 100000\n",
  args: (base) => ["--public-origin", base, "--www", join(ROOT, "bench/page"), "--pkg", pkg],
});
const browser = await launchChromium();
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await browser.startTracing(page, { categories: CATEGORIES });
    const done = page.waitForEvent("console", { predicate: (m) => m.text() === "gatehouse-bench-done", timeout: 15_000 });
    await page.goto(s.base + path);
    await done;
    const r = await page.evaluate(() => window.ready ?? { error: window.readyError });
    const events = JSON.parse(await browser.stopTracing()).traceEvents;
    await context.close();
    if (i === 0) continue;
    const renderer = events.find((e) => e.name === "ResourceSendRequest" && e.args?.data?.url?.startsWith(`${s.base}/pkg/`))?.pid;
    const zero = events.find((e) => e.pid === renderer && e.name === "ResourceSendRequest")?.ts;
    const ui = events.filter((e) => e.name === "ResourceSendRequest" && /^chrome:/.test(e.args?.data?.url ?? "")).length;
    console.log(`--- run ${i}: ready ${(r.t3 - r.t0).toFixed(1)} ms (import ${(r.t1 - r.t0).toFixed(1)}, load ${(r.t3 - r.t2).toFixed(1)}); ` +
      `times from the page's own request; ${ui} chrome:// requests of the browser's UI meanwhile`);
    const rows = [];
    for (const e of events) {
      if (e.pid !== renderer || e.ts < zero) continue;
      const at = (e.ts - zero) / 1000;
      const url = e.args?.data?.url?.replace(s.base, "") ?? "";
      if (e.name === "ResourceSendRequest") rows.push([at, `send ${url}`]);
      else if (e.name === "ResourceReceiveResponse") rows.push([at, `response ${e.args.data.requestId}`]);
      else if (e.name === "ResourceFinish") rows.push([at, `finish ${e.args.data.requestId} ${e.args.data.encodedDataLength} B`]);
      else if (/^wasm\.(FinishAsyncCompile|AsyncInstantiate|StartStreamingCompilation)$/.test(e.name)) rows.push([at, e.name]);
      else if (e.ph === "X" && e.dur > MIN_US && !NOISE.test(e.name)) rows.push([at, `${e.name} ${(e.dur / 1000).toFixed(1)} ms ${url}`]);
    }
    rows.sort((a, b) => a[0] - b[0]);
    for (const [at, what] of rows) console.log(at.toFixed(1).padStart(7), what);
  }
} finally {
  await browser.close();
  await s.stop();
  await rm(work, { recursive: true, force: true });
}
