// The waiting tab of bench/magic-link.mjs. It loads the production SDK
// from /pkg/, notes every fetch the SDK makes (and, in "poll" mode, makes
// the event stream's fetch fail, so the SDK falls back to polling), and
// offers window.bench to the driver:
//
//   await bench.start(mode, email)  create a sign-up and start the magic
//                                   link flow; answers the sign-up's id
//   bench.state()                   is the stream open / has polling begun
//   await bench.confirm(token)      POST /v1/verify from this page, then
//                                   wait for the flow's promise: t0 just
//                                   before the POST, t1 in its then, both
//                                   on this page's performance.now()
//   bench.cancel()                  cancelMagicLinkFlow()
//   bench.requests()                the fetches noted so far
import init, { Gatehouse } from "/pkg/gatehouse.js";

const realFetch = globalThis.fetch.bind(globalThis);
const noted = [];
let blockEvents = false;
let streamOpenAt = null;

// The SDK looks `fetch` up on the global object at each call.
globalThis.fetch = (input, options) => {
  const url = new URL(typeof input === "string" ? input : input.url, location.href);
  const events = url.pathname.endsWith("/events");
  const blocked = blockEvents && events;
  noted.push({ t: performance.now(), method: options?.method ?? "GET", path: url.pathname, blocked });
  if (blocked) return Promise.reject(new TypeError("bench: event stream blocked"));
  const answer = realFetch(input, options);
  if (events) answer.then((r) => { if (r.ok) streamOpenAt = performance.now(); }, () => {});
  return answer;
};

let gh = null;
let flow = null;
let run = null;

window.bench = {
  async start(mode, email) {
    await init();
    // `?tokenMode=bearer`: bearer mode, with a new instance (so a new
    // client) each run; cookie mode keeps one (the driver clears cookies).
    const tokenMode = new URLSearchParams(location.search).get("tokenMode") ?? undefined;
    if (!gh || tokenMode) gh = await Gatehouse.load({ frontendApi: location.origin, tokenMode });
    blockEvents = mode === "poll";
    streamOpenAt = null;
    noted.length = 0;
    const signUp = await gh.signUp.create({ emailAddress: email, password: "bench-Passw0rd-" + email });
    flow = signUp.createMagicLinkFlow();
    const startedAt = performance.now();
    run = { id: signUp.id, startedAt, t1: null, status: null, error: null };
    const r = run;
    r.promise = flow.startMagicLinkFlow({ redirectUrl: location.origin + "/verify" }).then(
      (su) => { r.t1 = performance.now(); r.status = su.verifications.emailAddress.status; },
      (e) => { r.t1 = performance.now(); r.error = e?.code ?? String(e); },
    );
    return signUp.id;
  },

  // Whether the wait is in place: the stream answered (push), or the SDK
  // sent its first poll (GET of the sign-up itself, after the stream's
  // fetches failed).
  state() {
    const polls = noted.filter((n) => n.method === "GET" && n.path === `/v1/client/sign_ups/${run.id}`);
    return {
      streamOpen: streamOpenAt !== null,
      polls: polls.length,
      firstPollAt: polls[0]?.t ?? null,
      now: performance.now(),
      settled: run.t1 !== null,
      error: run.error,
    };
  },

  async confirm(token) {
    const body = new URLSearchParams({ token });
    const t0 = performance.now();
    const posted = realFetch("/v1/verify", { method: "POST", body, redirect: "manual" })
      .then((r) => ({ at: performance.now(), type: r.type, status: r.status }));
    await run.promise;
    const post = await posted;
    // The GET of the sign-up that found it verified: polling sends it every
    // second; push sends one after the POST only when the event could not
    // carry the client (a reload).
    const gets = noted.filter((n) => n.method === "GET" && n.path === `/v1/client/sign_ups/${run.id}` && n.t < run.t1);
    return {
      t0, t1: run.t1, postAnsweredAt: post.at, postType: post.type, lastGetAt: gets.at(-1)?.t ?? null,
      reloads: gets.filter((n) => n.t >= t0).length, status: run.status, error: run.error,
    };
  },

  cancel() { flow?.cancelMagicLinkFlow(); },

  requests() { return noted.map((n) => ({ ...n })); },
};
document.title = "bench ready";
