//! The sign-up operations in plain Rust: each one checks its input and
//! becomes one request (method, path, JSON body), or an error before
//! anything is sent.
//!
//! The binding layer sends the request and takes in the answer.

use crate::error::{Error, Result};
use crate::fetch::Method;
use crate::params::{join, Body, JsonObject, Rules, SignUpParams};
use alloc::string::String;
use gatehouse_protocol::{validate, ErrorCode, Field, Strategy};

/// One operation on the sign-up, as the JS methods ask for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Start a new sign-up (the server abandons the client's earlier one).
    Create(SignUpParams),
    /// Add or change fields.
    Update(SignUpParams),
    /// Read the sign-up again.
    Reload,
    /// Send a code or an email link; the email and phone shortcuts default
    /// the strategy. A link needs the `redirect_url` it sends the person
    /// back to (checked by the server only).
    Prepare { target: Target, strategy: Option<String>, redirect_url: Option<String> },
    /// Check a code.
    Attempt { target: Target, strategy: Option<String>, code: Option<String> },
    /// Open the sign-up's event stream (`text/event-stream`).
    Events,
}

/// Which verification a prepare or attempt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `prepareVerification` / `attemptVerification`: the strategy says.
    Any,
    /// The email or phone shortcuts: the strategy must verify this field.
    Only(Field),
}

/// The HTTP request an operation makes.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    /// The JSON body (see [`Body`]).
    pub body: Option<Body>,
}

/// Turns an operation on the sign-up `id` (`None` before `create`) into its
/// request. Every check that can fail on the client fails here.
pub fn request(op: Op, id: Option<&str>, rules: &Rules) -> Result<Request> {
    let path = |rest: &str| match id {
        Some(id) => Ok(join(&["/v1/client/sign_ups/", id, rest])),
        None => Err(Error::sdk(ErrorCode::SignUpNotFound, None)),
    };
    let (method, path, body) = match op {
        Op::Create(params) => (Method::Post, "/v1/client/sign_ups".into(), Some(params.to_json(rules)?)),
        Op::Update(params) => {
            let body = params.to_json(rules)?;
            (Method::Patch, path("")?, Some(body))
        }
        Op::Reload => (Method::Get, path("")?, None),
        Op::Prepare { target, strategy, redirect_url } => {
            let strategy = pick_strategy(target, strategy)?;
            let mut body = JsonObject::new();
            body.string("strategy", strategy.as_str());
            // The server checks the URL's form and origin: the protocol's
            // check costs the SDK 0.9 KiB gzip for a value the developer
            // writes, not the person (see `bindings::link`).
            let link = strategy == Strategy::EmailLink;
            match redirect_url {
                Some(url) if link => body.string("redirect_url", &url),
                Some(_) => return Err(Error::param(ErrorCode::FormParamUnknown, "redirect_url")),
                None if link => return Err(Error::param(ErrorCode::FormParamMissing, "redirect_url")),
                None => {}
            }
            (Method::Post, path("/prepare_verification")?, Some(body.finish()))
        }
        Op::Attempt { target, strategy, code } => {
            let strategy = pick_strategy(target, strategy)?;
            if !strategy.uses_code() {
                return Err(Error::param(ErrorCode::VerificationStrategyInvalid, "strategy"));
            }
            let code = code.ok_or_else(|| Error::param(ErrorCode::FormParamMissing, "code"))?;
            let code = validate::verification_code(&code)?;
            let mut body = JsonObject::new();
            body.string("strategy", strategy.as_str());
            body.string("code", &code);
            (Method::Post, path("/attempt_verification")?, Some(body.finish()))
        }
        Op::Events => (Method::Get, path("/events")?, None),
    };
    Ok(Request { method, path, body })
}

/// The strategy of a prepare or attempt: given, or the target field's code
/// strategy; it must verify the target field.
pub fn pick_strategy(target: Target, given: Option<String>) -> Result<Strategy> {
    let strategy = match (given, target) {
        (Some(name), _) => Strategy::parse(&name),
        (None, Target::Only(Field::PhoneNumber)) => Some(Strategy::PhoneCode),
        (None, Target::Only(_)) => Some(Strategy::EmailCode),
        (None, Target::Any) => return Err(Error::param(ErrorCode::FormParamMissing, "strategy")),
    };
    match (strategy, target) {
        (Some(s), Target::Any) => Ok(s),
        (Some(s), Target::Only(field)) if s.field() == field => Ok(s),
        _ => Err(Error::param(ErrorCode::VerificationStrategyInvalid, "strategy")),
    }
}

#[cfg(test)]
#[path = "tests/flow.rs"]
mod tests;
