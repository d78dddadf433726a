//! The email link: `signUp.createMagicLinkFlow()` (and its alias
//! `createEmailLinkFlow()`) and the wait for the link's confirmation. The
//! page the link leads back to reads it with
//! `Gatehouse.handleMagicLinkVerification()`, plain JS in
//! `src/js/landing.js` (the browser's query parser: no wasm needed).
//!
//! `signIn.createMagicLinkFlow()` is the same flow for a password reset by
//! link: `startMagicLinkFlow({ redirectUrl })` prepares
//! `reset_password_email_link` (without `redirectUrl` it only waits, for
//! the link `signIn.create` sent), then polls the sign-in, as below, until
//! it leaves `needs_first_factor` (the link was confirmed:
//! `needs_new_password`) or its verification is `expired`. A
//! sign-in has no event stream: the poll alone, from the start.
//!
//! `startMagicLinkFlow({ redirectUrl })` sends the link
//! (`prepareEmailAddressVerification` with `email_link`), then waits on the
//! sign-up's event stream, read through `fetch` so that cookie and bearer
//! modes both work, and resolves with `gh.signUp`, up to date, once its email
//! verification is `verified` or `expired` (or the sign-up is no longer
//! `missing_requirements`):
//!
//! - each stream starts with the current sign-up, so a reconnect misses no
//!   change; a stream that ends after more than its first event (a
//!   keep-alive or a change came through) is reopened at once;
//! - a stream that cannot be opened, ends early, sends something that is
//!   not a sign-up, sends an event longer than 64 KiB (65,536 characters;
//!   it is dropped there, so a broken or hostile server cannot make the
//!   page hold more), or stays silent past two keep-alives (35 s) is a
//!   failure; the second in a row waits 1 s, and the third hands over to
//!   polling `GET /v1/client/sign_ups/{id}`: every 1 s, doubling on errors
//!   up to 30 s (or the server's `Retry-After`), stopping on a 4xx that is
//!   no rate limit: a sign-up that the owner of the address cancelled from
//!   the link ("I didn't start this") shows `abandoned` on the stream, and
//!   its reload rejects with `sign_up_cancelled_by_owner`;
//! - `cancelMagicLinkFlow()` aborts the flow's fetches (one `AbortSignal`
//!   for them all), clears its timer and rejects the pending promise with
//!   `magic_link_flow_cancelled` at once; every await of the wait then
//!   fails or never wakes, so nothing more is sent. Starting again cancels
//!   the wait before.
//!
//! The wait is JS: timers, the abort signal and the stream reader are JS
//! objects, and driving them from Rust would cost an import shim each in
//! both languages (about 1 KiB gzip, over the budget, `bench/size.sh`). The
//! requests and every decoding stay in Rust, through `Gatehouse.__run`
//! (its calls, and the answers it takes: ops from 32 on): a stream event is only glanced at for its status.
//! The event that ends the wait carries what a reload would answer (the
//! sign-up and the client, and in bearer mode a replaced client token), so
//! it goes to `__run` as that reload's answer would (op 33, the
//! sign-up's answer tag), and is decoded
//! there, with no request. In cookie mode that includes a link confirmed in
//! the browser that signed up: the confirmation's 303 sets the replaced
//! client cookie, and the stream (named by its own `__gh_wait` cookie, which
//! that browser sent along) carries the client. Only an event without the
//! client (cookie mode, a link confirmed in another browser: the token is
//! still due for replacement, and the reload's answer sets the new cookie;
//! a stream whose token another request replaced; or a sign-up cancelled by
//! the owner of the address, whose reload rejects with
//! `sign_up_cancelled_by_owner`) is read again by the poll.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const DONE = ["verified", "expired"];
const POLL = 1000, POLL_MAX = 30000, SILENCE = 35000, STREAM_TRIES = 3, EVENT_MAX = 65536;
const sleep = (f, ms) => new Promise((wake) => (f.timer = setTimeout(wake, ms)));
const done = (status, email) => status !== "missing_requirements" || DONE.includes(email?.status);

export function newLinkFlow(g, signIn) {
  let current = null;
  const cancel = () => {
    const f = current;
    current = null;
    if (f) {
      f.abort.abort();
      clearTimeout(f.timer);
      f.reject(g.__run(17));
    }
  };
  const start = (params) => {
    cancel();
    return new Promise((resolve, reject) => {
      const f = (current = { abort: new AbortController(), reject });
      wait(g, f, params, signIn).then(resolve, reject).finally(() => {
        if (current === f) current = null;
        f.abort.abort();
        clearTimeout(f.timer);
      });
    });
  };
  return { startMagicLinkFlow: start, cancelMagicLinkFlow: cancel };
}

async function wait(g, f, params, signIn) {
  const signal = f.abort.signal, url = params?.redirectUrl;
  const su = signIn
    ? await g.__run(url === undefined ? 10 : 11, { strategy: "reset_password_email_link", redirectUrl: url, signal })
    : await g.__run(5, { strategy: "email_link", redirectUrl: url, signal });
  for (let failures = signIn ? STREAM_TRIES : 0, heard, s; failures < STREAM_TRIES; ) {
    heard = await listen(g, f, signal);
    if (heard > 1) {
      s = f.event;
      if (s.client) return g.__run(33, [[200, s, s.client_token]]);
      break;
    }
    failures = heard ? 0 : failures + 1;
    if (failures > 1) await sleep(f, POLL);
  }
  for (let delay = POLL; ; await sleep(f, delay)) {
    try {
      await g.__run(signIn ? 10 : 2, { signal });
      if (signIn ? su.status != "needs_first_factor" || DONE.includes(su.firstFactorVerification?.status)
        : done(su.status, su.verifications.emailAddress)) return su;
      delay = POLL;
    } catch (e) {
      if (signal.aborted || (e.status >= 400 && e.status < 500 && e.status != 429)) throw e;
      delay = Math.max(Math.min(delay * 2, POLL_MAX), (e.retryAfter ?? 0) * 1000);
    }
  }
}

// One event stream: 2 when it says the wait is over, 1 when it worked and
// ended, 0 when it failed.
async function listen(g, f, signal) {
  let reader, heard = 0;
  try {
    const response = await g.__run(16, { signal });
    if (!response.ok) return 0;
    reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (let text = "", end; ; ) {
      const { value, done: ended } = await Promise.race([
        reader.read(),
        new Promise((_, silent) => (f.timer = setTimeout(silent, SILENCE))),
      ]);
      clearTimeout(f.timer);
      if (ended) return heard > 1 ? 1 : 0;
      text += value;
      while ((end = text.indexOf("\n\n")) >= 0 && end <= EVENT_MAX) {
        const data = text.slice(0, end).split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim()).join("\n");
        text = text.slice(end + 2);
        heard++;
        if (data) {
          const s = (f.event = JSON.parse(data)).response;
          if (done(s.status, s.verifications.email_address)) return 2;
        }
      }
      if (text.length > EVENT_MAX) return 0;
    }
  } catch (e) {
    if (signal.aborted) throw e;
    return 0;
  } finally {
    clearTimeout(f.timer);
    reader?.cancel().catch(() => {});
  }
}
"#)]
extern "C" {
    /// A new `{ startMagicLinkFlow, cancelMagicLinkFlow }` of the
    /// `Gatehouse` object `g`: of its sign-up, or (`sign_in`) of its
    /// sign-in's password reset.
    #[wasm_bindgen(js_name = newLinkFlow)]
    pub fn new_flow(g: &JsValue, sign_in: bool) -> JsValue;
}
