//! The JS-binding layer: the `Gatehouse` and `SignUp` classes. Only this
//! layer, `decode` and `fetch` touch `JsValue`; the rules live in `flow`
//! and `params`.
//!
//! The resources are plain data properties of the two objects
//! (`gh.environment`, `gh.client`, `signUp.missingFields`, ...), replaced in
//! place after every answer, so there is no getter per attribute.
//!
//! Each request is started here and its answer comes back to the object's
//! hidden `__answer` method (see `fetch::pipe`).
//!
//! - [`read`]: JS arguments into plain Rust;
//! - [`error`]: the `GatehouseError` class and the one conversion into it;
//! - [`typescript`]: the declared types of the `.d.ts`.

mod error;
mod read;
mod typescript;

use crate::decode::{self, assign, get, set};
use crate::error::{Error, Result};
use crate::fetch::{self, Method, Transport};
use crate::flow::{self, Op, Target};
use crate::params::Rules;
use crate::schema;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::{Cell, OnceCell};
use gatehouse_protocol::Field;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

/// What one instance shares with its sign-up.
struct Shared {
    transport: Transport,
    /// The params rules, from the environment.
    rules: OnceCell<Rules>,
    /// The sign-up's id, once created.
    sign_up_id: Cell<Option<String>>,
    /// The JS objects, so answers update them in place. They live as long
    /// as the page's `Gatehouse`, by design.
    gatehouse: OnceCell<JsValue>,
    sign_up: OnceCell<JsValue>,
}

/// A request to start, or why none is made.
type Start<'a> = Result<(&'a Transport, Method, &'a str, Option<String>)>;

/// Starts the request and pipes its answer to `target.__answer`; a failure
/// before sending is a rejected promise.
fn send(request: Start<'_>, target: &JsValue) -> Promise {
    match request {
        Ok((transport, method, path, body)) => {
            fetch::pipe(&transport.start(method, path, body), target)
        }
        Err(e) => Promise::reject(&error::to_js(e)),
    }
}

/// A loaded Gatehouse instance: `environment`, `client` and `signUp`.
#[wasm_bindgen]
pub struct Gatehouse {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Gatehouse {
    /// Loads the instance's environment and this browser's client.
    #[wasm_bindgen(unchecked_return_type = "Promise<Gatehouse>")]
    pub fn load(
        #[wasm_bindgen(unchecked_param_type = "GatehouseOptions")] options: JsValue,
    ) -> Promise {
        let (api, bearer) = match read::options(&options) {
            Ok(options) => options,
            Err(e) => return Promise::reject(&error::to_js(e)),
        };
        let shared = Rc::new(Shared {
            transport: Transport::new(&api, bearer),
            rules: OnceCell::new(),
            sign_up_id: Cell::new(None),
            gatehouse: OnceCell::new(),
            sign_up: OnceCell::new(),
        });
        let gatehouse = JsValue::from(Gatehouse {
            shared: shared.clone(),
        });
        let _ = shared.gatehouse.set(gatehouse.clone());
        send(
            Ok((&shared.transport, Method::Get, "/v1/environment", None)),
            &gatehouse,
        )
    }

    /// The answers while loading (wired by `fetch::pipe`).
    #[wasm_bindgen(js_name = __answer, skip_typescript)]
    pub fn answer(&self, answer: JsValue) -> core::result::Result<JsValue, JsValue> {
        self.take(&answer).map_err(error::to_js)
    }
}

impl Gatehouse {
    /// First the environment comes (then the client is asked for), then the
    /// client (then the instance is ready, and the promise resolves to it).
    fn take(&self, answer: &JsValue) -> Result<JsValue> {
        let shared = &self.shared;
        if shared.sign_up.get().is_some() {
            // Loaded already: this is no answer of ours.
            return Err(Error::response_invalid(0, None));
        }
        let gatehouse = shared.gatehouse.get().cloned().unwrap_or_default();
        let answer = shared.transport.finish(answer)?;
        if shared.rules.get().is_none() {
            let environment = decode::answer(answer, schema::ENVIRONMENT)?;
            let _ = shared.rules.set(decode::rules(&environment));
            set(&gatehouse, "environment", &environment);
            return Ok(send(
                Ok((&shared.transport, Method::Get, "/v1/client", None)),
                &gatehouse,
            )
            .into());
        }
        let client = decode::answer(answer, schema::CLIENT_ENVELOPE)?;
        set(
            &gatehouse,
            "client",
            &get(&client, "client").unwrap_or_default(),
        );
        let sign_up = JsValue::from(SignUp {
            shared: shared.clone(),
        });
        assign(&sign_up, &decode::empty(schema::SIGN_UP));
        set(&gatehouse, "signUp", &sign_up);
        let _ = shared.sign_up.set(sign_up);
        Ok(gatehouse)
    }
}

/// A sign-up attempt. Every method updates this object in place and
/// resolves to it.
#[wasm_bindgen]
pub struct SignUp {
    shared: Rc<Shared>,
}

impl SignUp {
    /// Starts one operation; the promise resolves to this object or rejects
    /// with a `GatehouseError`.
    fn run(&self, op: Result<Op>) -> Promise {
        let shared = &self.shared;
        let id = shared.sign_up_id.take();
        shared.sign_up_id.set(id.clone());
        let rules = shared.rules.get().copied().unwrap_or_default();
        let target = shared.sign_up.get().cloned().unwrap_or_default();
        match op.and_then(|op| flow::request(op, id.as_deref(), &rules)) {
            Ok(r) => send(Ok((&shared.transport, r.method, &r.path, r.body)), &target),
            Err(e) => send(Err(e), &target),
        }
    }

    fn prepare(&self, target: Target, params: &JsValue) -> Promise {
        let strategy = read::opt_string(params, "strategy");
        self.run(strategy.map(|strategy| Op::Prepare { target, strategy }))
    }

    fn attempt(&self, target: Target, params: &JsValue) -> Promise {
        let op = read::opt_string(params, "strategy").and_then(|strategy| {
            let code = read::opt_string(params, "code")?;
            Ok(Op::Attempt {
                target,
                strategy,
                code,
            })
        });
        self.run(op)
    }

    /// Takes in an answer: the sign-up into this object, the client into
    /// `gh.client`.
    fn take(&self, answer: &JsValue) -> Result<JsValue> {
        let shared = &self.shared;
        let envelope = decode::answer(shared.transport.finish(answer)?, schema::SIGN_UP_ENVELOPE)?;
        let state = get(&envelope, "response").unwrap_or_default();
        shared
            .sign_up_id
            .set(get(&state, "id").and_then(|id| id.as_string()));
        let sign_up = shared.sign_up.get().cloned().unwrap_or_default();
        assign(&sign_up, &state);
        if let Some(gatehouse) = shared.gatehouse.get() {
            set(
                gatehouse,
                "client",
                &get(&envelope, "client").unwrap_or_default(),
            );
        }
        Ok(sign_up)
    }
}

#[wasm_bindgen]
impl SignUp {
    /// The answer of this object's request (wired by `fetch::pipe`).
    #[wasm_bindgen(js_name = __answer, skip_typescript)]
    pub fn answer(&self, answer: JsValue) -> core::result::Result<JsValue, JsValue> {
        self.take(&answer).map_err(error::to_js)
    }

    /// Starts a new sign-up with these fields (abandoning the earlier one).
    #[wasm_bindgen(unchecked_return_type = "Promise<SignUp>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignUpParams")] params: JsValue,
    ) -> Promise {
        self.run(read::sign_up_params(&params).map(Op::Create))
    }

    /// Adds or changes fields.
    #[wasm_bindgen(unchecked_return_type = "Promise<SignUp>")]
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignUpParams")] params: JsValue,
    ) -> Promise {
        self.run(read::sign_up_params(&params).map(Op::Update))
    }

    /// Reads the sign-up again from the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<SignUp>")]
    pub fn reload(&self) -> Promise {
        self.run(Ok(Op::Reload))
    }

    /// Sends a verification code (`email_code` or `phone_code`).
    #[wasm_bindgen(js_name = prepareVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn prepare_verification(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PrepareVerificationParams")] params: JsValue,
    ) -> Promise {
        self.prepare(Target::Any, &params)
    }

    /// Checks a verification code.
    #[wasm_bindgen(js_name = attemptVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn attempt_verification(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AttemptVerificationParams")] params: JsValue,
    ) -> Promise {
        self.attempt(Target::Any, &params)
    }

    /// Sends a code to the email address (`strategy` defaults to `email_code`).
    #[wasm_bindgen(js_name = prepareEmailAddressVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn prepare_email_address_verification(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PrepareEmailAddressVerificationParams")]
        params: JsValue,
    ) -> Promise {
        self.prepare(Target::Only(Field::EmailAddress), &params)
    }

    /// Checks the code sent to the email address.
    #[wasm_bindgen(js_name = attemptEmailAddressVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn attempt_email_address_verification(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AttemptCodeParams")] params: JsValue,
    ) -> Promise {
        self.attempt(Target::Only(Field::EmailAddress), &params)
    }

    /// Sends a code to the phone number (`strategy` defaults to `phone_code`).
    #[wasm_bindgen(js_name = preparePhoneNumberVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn prepare_phone_number_verification(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PreparePhoneNumberVerificationParams")]
        params: JsValue,
    ) -> Promise {
        self.prepare(Target::Only(Field::PhoneNumber), &params)
    }

    /// Checks the code sent to the phone number.
    #[wasm_bindgen(js_name = attemptPhoneNumberVerification, unchecked_return_type = "Promise<SignUp>")]
    pub fn attempt_phone_number_verification(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AttemptCodeParams")] params: JsValue,
    ) -> Promise {
        self.attempt(Target::Only(Field::PhoneNumber), &params)
    }
}
