//! The JS-binding layer: the `Gatehouse` class, and the JS objects
//! `gh.signUp`, `gh.signIn` and `gh.session`. Only this layer, `decode` and
//! `fetch` touch `JsValue`; the rules live in `flow`, `sign_in` and
//! `params`.
//!
//! The resources are plain data properties of the objects (`gh.environment`,
//! `gh.client`, `signUp.missingFields`, ...), replaced in place after every
//! answer, so there is no getter per attribute. `gh.signUp`, `gh.signIn`
//! and the session object are made once and updated in place.
//!
//! Each request is started here and its answer comes back to the hidden
//! `Gatehouse.__run` method (see `fetch::pipe`), with a tag (an op from
//! 32 on) that says which request it was: one export for the calls and the
//! answers (a wasm-bindgen export costs a shim in each language, and its
//! argument handling in the wasm).
//!
//! `SignUp`, `SignIn` and `Session` are small JS classes (in [`objects`])
//! whose methods all call one hidden `Gatehouse.__run(op, params)`: a
//! wasm-bindgen class costs a shim in each language per method, which the
//! size budget cannot spare. A new method is a JS method with a new `op`
//! number and an arm in [`Gatehouse::run`].
//!
//! - [`read`]: JS arguments into plain Rust;
//! - [`error`]: the `GatehouseError` class and the one conversion into it;
//! - [`objects`]: the `SignUp`, `SignIn` and `Session` JS classes,
//!   `gh.session`, and the session token cache;
//! - [`link`]: `createMagicLinkFlow()` (the sign-up's, and the sign-in's
//!   for a password reset) and the wait for an email link
//!   (`Gatehouse.handleMagicLinkVerification()` is `src/js/landing.js`);
//! - [`typescript`]: the declared types of the `.d.ts`.

mod error;
mod link;
mod objects;
mod read;
mod typescript;

/// For the Rust API's request bodies (`fetch::JsonObject`'s objects).
#[cfg(feature = "rust-api")]
pub(crate) use read::stringify;

use crate::decode::{self, assign, get};
use crate::error::{Error, Result};
use crate::fetch::{self, Method, Transport};
use crate::flow::{self, Op, Request, Target};
use crate::params::{join, Rules};
use crate::schema::{self, Table};
use crate::sign_in;
use crate::totp;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::{Cell, OnceCell};
use gatehouse_protocol::{ErrorCode, Field};
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

// The tags of the answers that come to `Gatehouse.__run` (its ops from
// `ANSWER` on; `link.rs` hands a stream's last event in as `SIGN_UP`, 33).
/// Loading: the environment, then the client (both sent at once).
const LOAD: u32 = ANSWER;
/// A sign-up operation.
const SIGN_UP: u32 = ANSWER + 1;
/// A sign-in operation.
const SIGN_IN: u32 = ANSWER + 2;
/// A session token.
const TOKEN: u32 = ANSWER + 3;
/// Signing out.
const SIGN_OUT: u32 = ANSWER + 4;
/// Not an answer: the event stream, whose `Response` goes to the caller.
const EVENTS: u32 = ANSWER + 5;
/// The client, reloaded because another tab changed it (`objects::follow`).
const CLIENT_RELOAD: u32 = ANSWER + 6;
/// A user's TOTP.
const TOTP: u32 = ANSWER + 7;
/// The user's sessions.
const USER_SESSIONS: u32 = ANSWER + 8;
/// One of them, ended.
const REVOKED: u32 = ANSWER + 9;
/// The first answer tag: the ops of `__run` from here on are answers.
const ANSWER: u32 = 32;

// The operations of `Gatehouse.__run`, as `objects.rs` numbers them: the
// sign-up's nine (0 to 8, in the order of `sign_up_op`), the sign-in's
// four, then the session's two.
/// The first sign-in operation, `RUN_SIGN_IN[0]`.
const RUN_FIRST_SIGN_IN: u32 = 9;
const RUN_SIGN_IN: [sign_in::Op; 4] =
    [sign_in::Op::Create, sign_in::Op::Reload, sign_in::Op::Prepare, sign_in::Op::Attempt];
const RUN_TOKEN: u32 = 13;
const RUN_SIGN_OUT: u32 = 14;
// The email link flow's (see `link`): a new flow object, the sign-up's
// event stream (the bare `Response`), and the error of a cancelled wait.
const RUN_LINK_FLOW: u32 = 15;
const RUN_EVENTS: u32 = 16;
const RUN_LINK_CANCELLED: u32 = 17;
/// Reloading the client (other tabs follow: `objects::follow`), with the
/// token the storage holds as `params`, if any.
const RUN_CLIENT: u32 = 18;
/// The sign-in's `resetPassword`.
const RUN_RESET_PASSWORD: u32 = 19;
/// The sign-in's `attemptSecondFactor`.
const RUN_ATTEMPT_SECOND_FACTOR: u32 = 20;
/// `gh.user`'s `createTOTP`, `verifyTOTP` and `disableTOTP`.
const RUN_CREATE_TOTP: u32 = 21;
const RUN_VERIFY_TOTP: u32 = 22;
const RUN_DISABLE_TOTP: u32 = 23;
/// `gh.user.sessions()`, with the current session's id as `params`.
const RUN_USER_SESSIONS: u32 = 24;
/// A listed session's `revoke()`, with `{current id}/user_sessions/{its id}`
/// as `params`.
const RUN_REVOKE: u32 = 25;
/// `signIn.createMagicLinkFlow()`: a new flow object (`link`).
const RUN_SIGN_IN_LINK_FLOW: u32 = 26;

/// The paths of the environment and the client, asked for at load.
const ENVIRONMENT: &str = "/v1/environment";
const CLIENT: &str = "/v1/client";
/// The key of the load's options under which the package entry hands over
/// the two answers it asked for early: `[environment, client]`, each a
/// promise of what `fetch::pipe` answers without a target.
const EARLY: &str = "__early";

/// A resource object the SDK keeps current (the sign-up, the sign-in).
#[derive(Default)]
struct Slot {
    /// Set at load. It lives as long as the page's `Gatehouse`, by design.
    object: OnceCell<JsValue>,
}

impl Slot {
    /// The id of what it shows (`null` before `create`), read from the
    /// object itself (read-only by its types; the SDK keeps no copy).
    fn id(&self) -> Option<String> {
        get(self.object.get()?, "id")?.as_string()
    }
}

/// What one instance shares with its objects.
struct Shared {
    transport: Transport,
    /// The params rules, from the environment.
    rules: OnceCell<Rules>,
    /// The JS object of this instance. It holds the Rust `Gatehouse`, which
    /// holds this: a cycle, cut when loading fails, so the garbage
    /// collector can take an instance nobody got. A `Cell` (taken and put
    /// back), like the bearer token: no borrow panics.
    gatehouse: Cell<Option<JsValue>>,
    sign_up: Slot,
    sign_in: Slot,
    /// While loading, the client's answer (`Transport::get_early`): asked
    /// for with the environment, taken in after it.
    loading: Cell<Option<Promise>>,
}

/// Starts the request (aborted by `signal`, an `AbortSignal`, if it is one)
/// and pipes its answer to `Gatehouse.__run(tag, answer)`; a failure
/// before sending is a rejected promise. The event stream's `Response` is
/// not piped: the link flow reads it.
fn send(shared: &Shared, request: Result<Request>, tag: u32, signal: &JsValue) -> Promise {
    match request {
        Ok(r) if tag == EVENTS => shared.transport.start(r.method, &r.path, r.body, signal),
        Ok(r) => shared.transport.send(r.method, &r.path, r.body, signal, &shared.gatehouse(), tag),
        Err(e) => error::rejected(e),
    }
}

fn request(method: Method, path: String) -> Result<Request> {
    Ok(Request { method, path, body: None })
}

impl Shared {
    fn gatehouse(&self) -> JsValue {
        let gatehouse = self.gatehouse.take();
        let copy = gatehouse.clone().unwrap_or_default();
        self.gatehouse.set(gatehouse);
        copy
    }

    /// Takes in the client of an answer: `gh.client`, and `gh.session`
    /// (see `objects::show`); `tell`: this tab's own operation, whose change
    /// of session the other tabs are told about.
    fn set_client(&self, envelope: &JsValue, revoked: &JsValue, tell: bool) {
        objects::show(&self.gatehouse(), envelope, revoked, tell);
    }

    /// Takes in an answer about the sign-up or the sign-in: the resource
    /// into its object (which the promise resolves to), the client into
    /// `gh.client` and `gh.session`.
    fn take(&self, slot: &Slot, answer: (u16, JsValue), envelope: Table) -> Result<JsValue> {
        let envelope = decode::answer(answer, envelope)?;
        let state = get(&envelope, "response").unwrap_or_default();
        let object = slot.object.get().cloned().unwrap_or_default();
        assign(&object, &state);
        self.set_client(&envelope, &JsValue::UNDEFINED, true);
        Ok(object)
    }
}

/// A loaded Gatehouse instance: `environment`, `client`, `signUp`,
/// `signIn` and `session`.
#[wasm_bindgen]
pub struct Gatehouse {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Gatehouse {
    /// Loads the instance's environment and this browser's client. The
    /// package's `Gatehouse.load` instantiates the wasm first, once, and
    /// asks for both while the wasm comes; no `init()` is needed.
    #[wasm_bindgen(unchecked_return_type = "Promise<Gatehouse>")]
    pub fn load(#[wasm_bindgen(unchecked_param_type = "GatehouseOptions")] options: JsValue) -> Promise {
        let read::Options { api, bearer, storage } = match read::options(&options) {
            Ok(options) => options,
            Err(e) => return error::rejected(e),
        };
        // The token `tokenStorage` held, read by the package entry before
        // its request for the client.
        let token = read::opt_string(&options, "__token").ok().flatten();
        let shared = Rc::new(Shared {
            transport: Transport::new(&api, bearer, storage, token),
            rules: OnceCell::new(),
            gatehouse: Cell::new(None),
            sign_up: Slot::default(),
            sign_in: Slot::default(),
            loading: Cell::new(None),
        });
        let gatehouse = JsValue::from(Gatehouse { shared: shared.clone() });
        shared.gatehouse.set(Some(gatehouse.clone()));
        // The package entry (`src/js/core.js`) sends both requests while
        // the wasm is still on its way, and hands over their answers under
        // `__early`; without them (the wasm was ready), they are sent here.
        let early: Array =
            get(&options, EARLY).filter(decode::is_object).unwrap_or_else(|| Array::new().into()).unchecked_into();
        let client = shared.transport.get_early(CLIENT, &early.get_unchecked(1), &JsValue::NULL, LOAD);
        shared.loading.set(Some(client));
        shared.transport.get_early(ENVIRONMENT, &early.get_unchecked(0), &gatehouse, LOAD)
    }

    /// The methods of `gh.signUp`, `gh.signIn` and `gh.session`
    /// (`objects.rs`): each starts one request, and the promise resolves to
    /// the object (the session's: to the token, or `undefined`) or rejects
    /// with a `GatehouseError`. The session's pass its id as `params`; the
    /// others may pass an `AbortSignal` as `params.signal`. The link flow's
    /// (`link.rs`) answer a flow object, the event stream's `Response`
    /// promise, and the `GatehouseError` of a cancelled wait. The other
    /// tabs' following (`objects::follow`) reloads the client, with the
    /// token its storage holds as `params`. An `op` from [`ANSWER`] on is
    /// the answer of a request instead (`Gatehouse::answer`: `op` is its
    /// tag, `params` the array `[answer, url, init]` that `fetch::pipe`
    /// hands back, always an array: in one argument, not three, because each
    /// argument of an export costs its own handling in the wasm).
    #[wasm_bindgen(js_name = __run, skip_typescript)]
    pub fn run(&self, op: u32, params: &JsValue) -> JsValue {
        if op >= ANSWER {
            let piped = params.unchecked_ref::<Array>();
            return self.answer(piped.get_unchecked(0), op, piped.get_unchecked(1), piped.get_unchecked(2));
        }
        let shared = &self.shared;
        match op {
            RUN_LINK_FLOW | RUN_SIGN_IN_LINK_FLOW => {
                return link::new_flow(&shared.gatehouse(), op == RUN_SIGN_IN_LINK_FLOW);
            }
            RUN_LINK_CANCELLED => return error::to_js(Error::sdk(ErrorCode::MagicLinkFlowCancelled, None)),
            _ => {}
        }
        let signal = get(params, "signal").unwrap_or_default();
        let session = |method, rest| {
            let id = params.as_string().unwrap_or_default();
            request(method, join(&["/v1/client/sessions/", &id, rest]))
        };
        let (request, tag) = match op {
            0..RUN_FIRST_SIGN_IN | RUN_EVENTS => {
                let id = shared.sign_up.id();
                let rules = shared.rules.get().copied().unwrap_or_default();
                let request = sign_up_op(op, params).and_then(|op| flow::request(op, id.as_deref(), &rules));
                (request, if op == RUN_EVENTS { EVENTS } else { SIGN_UP })
            }
            RUN_TOKEN => (session(Method::Post, "/tokens"), TOKEN),
            RUN_SIGN_OUT => (session(Method::Delete, ""), SIGN_OUT),
            RUN_USER_SESSIONS => (session(Method::Get, "/user_sessions"), USER_SESSIONS),
            RUN_REVOKE => (session(Method::Post, "/revoke"), REVOKED),
            RUN_CLIENT => {
                shared.transport.adopt(params.as_string());
                (request(Method::Get, CLIENT.into()), CLIENT_RELOAD)
            }
            RUN_CREATE_TOTP..=RUN_DISABLE_TOTP => {
                let op = match op {
                    RUN_CREATE_TOTP => totp::Op::Create,
                    RUN_VERIFY_TOTP => totp::Op::Verify,
                    _ => totp::Op::Disable,
                };
                let session = objects::session_id(&shared.gatehouse()).as_string();
                let request = read::opt_string(params, "code").and_then(|c| totp::request(op, c, session.as_deref()));
                (request, TOTP)
            }
            _ => {
                let op = match op {
                    RUN_RESET_PASSWORD => sign_in::Op::ResetPassword,
                    RUN_ATTEMPT_SECOND_FACTOR => sign_in::Op::AttemptSecondFactor,
                    _ => RUN_SIGN_IN
                        .get(op.wrapping_sub(RUN_FIRST_SIGN_IN) as usize)
                        .copied()
                        .unwrap_or(sign_in::Op::Reload),
                };
                let id = shared.sign_in.id();
                let param = |key: &str| match key {
                    "signOutOfOtherSessions" => read::opt_flag(params, key),
                    _ => read::opt_string(params, key),
                };
                (sign_in::request(op, param, id.as_deref()), SIGN_IN)
            }
        };
        send(shared, request, tag, &signal).into()
    }
}

impl Gatehouse {
    /// The answers of every request: loading, the sign-up, the sign-in and
    /// the session (wired by `fetch::pipe`, through `__run` with the tag as its op; `tag` says which). A request
    /// whose token was replaced moments ago, by another tab's request, is
    /// sent once more (`Transport::again`), and this answers what that does.
    /// It returns the value the request's promise resolves to, or a rejected
    /// promise of the `GatehouseError`, which the `then` of `pipe` adopts.
    // Not inlined into `run` (about 70 bytes gzip less: the two halves of
    // the export are allocated and optimized apart).
    #[inline(never)]
    fn answer(&self, answer: JsValue, tag: u32, url: JsValue, init: JsValue) -> JsValue {
        let shared = &self.shared;
        let taken = self.take(&answer, tag & !fetch::SENT_AGAIN);
        if let Err(e) = &taken {
            if let Some(again) = shared.transport.again(e, tag, &url, &init, &shared.gatehouse()) {
                return again.into();
            }
        }
        if taken.is_err() && shared.sign_up.object.get().is_none() {
            // Loading failed: the instance is nobody's; let it go.
            shared.gatehouse.take();
        }
        // Rejected rather than thrown: a `Result` export costs a return
        // slot and its reading in both languages (about 0.13 KiB gzip).
        taken.unwrap_or_else(|e| error::rejected(e).into())
    }

    /// First the environment comes (then the client's answer, asked for at
    /// the same time, is piped here), then the client (then the instance is
    /// ready, and the promise resolves to it).
    /// Once loaded, the answers are those of the sign-in and the session.
    fn take(&self, answer: &JsValue, tag: u32) -> Result<JsValue> {
        let shared = &self.shared;
        let gatehouse = shared.gatehouse();
        let answer = shared.transport.finish(answer)?;
        if shared.sign_up.object.get().is_some() {
            let keys = match tag {
                SIGN_UP => schema::SIGN_UP_ENVELOPE,
                SIGN_IN => schema::SIGN_IN_ENVELOPE,
                TOKEN => schema::TOKEN_ENVELOPE,
                TOTP => schema::TOTP_ENVELOPE,
                SIGN_OUT | REVOKED => schema::SESSION_ENVELOPE,
                USER_SESSIONS => schema::USER_SESSIONS_ENVELOPE,
                CLIENT_RELOAD => schema::CLIENT_ENVELOPE,
                _ => return Err(Error::response_invalid(0, None)),
            };
            if tag <= SIGN_IN {
                let slot = if tag == SIGN_UP { &shared.sign_up } else { &shared.sign_in };
                return shared.take(slot, answer, keys);
            }
            let envelope = decode::answer(answer, keys)?;
            let response = get(&envelope, "response").unwrap_or_default();
            return Ok(if tag == TOKEN || tag == TOTP || tag == USER_SESSIONS {
                // `{ jwt, issuedAt, expireAt }`, for the token cache; a TOTP;
                // the list of sessions, for `objects.rs` to give each `revoke()`.
                shared.set_client(&envelope, &JsValue::UNDEFINED, false);
                response
            } else if tag == REVOKED {
                // The ended session; this client's own, if it was `gh.session`.
                shared.set_client(&envelope, &response, true);
                response
            } else {
                // Signing out: the session, now `revoked`; a reload: none.
                shared.set_client(&envelope, &response, tag == SIGN_OUT);
                JsValue::UNDEFINED
            });
        }
        if shared.rules.get().is_none() {
            let environment = decode::answer(answer, schema::ENVIRONMENT)?;
            let _ = shared.rules.set(decode::rules(&environment, &gatehouse));
            let early = shared.loading.take().map(JsValue::from).unwrap_or_default();
            return Ok(shared.transport.get_early(CLIENT, &early, &gatehouse, LOAD).into());
        }
        let client = decode::answer(answer, schema::CLIENT_ENVELOPE)?;
        let sign_up = objects::sign_up(&gatehouse, &decode::empty(schema::SIGN_UP));
        let sign_in = objects::sign_in(&gatehouse, &decode::empty(schema::SIGN_IN));
        let _ = shared.sign_up.object.set(sign_up);
        let _ = shared.sign_in.object.set(sign_in);
        shared.set_client(&client, &JsValue::UNDEFINED, false);
        let transport = &shared.transport;
        if transport.shared_by_tabs() {
            objects::follow(&gatehouse, transport.base(), transport.storage());
        }
        Ok(gatehouse)
    }
}

/// The sign-up operation `op` of `Gatehouse.__run`: `create`, `update`,
/// `reload`, `prepareVerification`, `attemptVerification`, then the email
/// and phone shortcuts (prepare, attempt); and the link flow's event stream.
fn sign_up_op(op: u32, params: &JsValue) -> Result<Op> {
    let target = match op {
        5 | 6 => Target::Only(Field::EmailAddress),
        7 | 8 => Target::Only(Field::PhoneNumber),
        _ => Target::Any,
    };
    let text = |key| read::opt_string(params, key);
    Ok(match op {
        0 => Op::Create(read::sign_up_params(params)?),
        1 => Op::Update(read::sign_up_params(params)?),
        2 => Op::Reload,
        3 | 5 | 7 => Op::Prepare { target, strategy: text("strategy")?, redirect_url: text("redirectUrl")? },
        RUN_EVENTS => Op::Events,
        _ => Op::Attempt { target, strategy: text("strategy")?, code: text("code")? },
    })
}
