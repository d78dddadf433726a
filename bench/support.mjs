// What the browser benchmarks share: a free port, a release server with its
// own database, headless Chromium, quantiles, a plain-text table, the
// machine and commit measured, and rewriting one marked section of
// docs/BENCHMARKS.md; used by bench/magic-link.mjs, bench/sdk-ready.mjs
// and bench/streams.mjs.

import { execFileSync, spawn } from "node:child_process";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const OUT = join(ROOT, "target/bench");
const DOC = join(ROOT, "docs/BENCHMARKS.md");
export const CHROMIUM = process.env.GATEHOUSE_E2E_CHROMIUM || "/usr/bin/chromium";

export const say = (...a) => console.log("[bench]", ...a);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts SERVER on a free port with a fresh SQLite file in WORK, the TOML
 * CONFIG and the extra ARGS (an array, or a function of the server's
 * base URL that answers one); its output goes to target/bench/NAME.log.
 * Answers { base, port, pid, stop }.
 */
export async function startServer({ server, work, name, config, args }) {
  if (!existsSync(server)) throw new Error(`the server is missing (${server}); run \`make bench\``);
  const configPath = join(work, `${name}.toml`);
  await writeFile(configPath, config);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GATEHOUSE_")));
  env.RUST_LOG ??= "warn";
  await mkdir(OUT, { recursive: true });
  const log = await open(join(OUT, `${name}.log`), "w");
  const child = spawn(server, [
    "--listen", `127.0.0.1:${port}`, "--database-url", `sqlite://${join(work, `${name}.db`)}`,
    "--config", configPath, ...(typeof args === "function" ? args(base) : args),
  ], { env, stdio: ["ignore", log.fd, log.fd] });
  let exited = null;
  child.on("exit", (code, signal) => { exited = signal ?? code; });
  for (let i = 0; i < 150; i++) {
    if (exited !== null) throw new Error(`the server exited (${exited}); see target/bench/${name}.log`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not yet */ }
    await sleep(200);
  }
  const stop = async () => {
    if (exited === null) {
      child.kill("SIGTERM");
      await new Promise((r) => (exited !== null ? r() : child.once("exit", r)));
    }
    await log.close();
  };
  return { base, port, pid: child.pid, stop };
}

/** Headless Chromium, with the flags the demo tests use. */
/**
 * Headless Chromium: the full browser (`CHROMIUM`) in `--headless=new`, or
 * Debian's chromium-headless-shell (a path naming it), which is headless
 * only and takes Playwright's own `--headless`.
 */
export function launchChromium(executablePath = CHROMIUM) {
  const shell = executablePath.includes("headless-shell");
  return chromium.launch({
    executablePath,
    args: [
      ...(shell ? [] : ["--headless=new"]), "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-quic",
    ],
  });
}

/** Linear interpolation between closest ranks (numpy's default). */
function quantile(sorted, q) {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

export function summary(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), min: s[0], max: s.at(-1), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export const f1 = (x) => (x == null || Number.isNaN(x) ? "-" : x.toFixed(1));

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ")).join("\n");
}

/** The commit measured, and whether the SDK or server sources differ from it. */
export function revision() {
  try {
    const git = (...a) => execFileSync("git", a, { cwd: ROOT, encoding: "utf8" });
    const head = git("rev-parse", "--short", "HEAD").trim();
    // Lines "XY path": the top-level folders with changes.
    const dirty = [...new Set(git("status", "--porcelain", "--", "src", "protocol", "server", "scripts", "Cargo.lock")
      .split("\n").filter(Boolean).map((l) => l.slice(3).split("/")[0]))];
    return dirty.length ? `${head} (with uncommitted changes in ${dirty.map((d) => `\`${d}\``).join(", ")})` : head;
  } catch {
    return "unknown";
  }
}

export function machine() {
  const cpu = cpus();
  return `this machine (${cpu.length} cores, ${cpu[0]?.model?.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB)`;
}

/** Replaces the text between BEGIN and END (markers included) with SECTION, or appends it. */
export async function updateDoc(begin, end, section) {
  const doc = await readFile(DOC, "utf8");
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  const next = b >= 0 && e > b ? doc.slice(0, b) + section + doc.slice(e + end.length) : doc.replace(/\n*$/, "\n\n") + section + "\n";
  await writeFile(DOC, next);
}
