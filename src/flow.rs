//! The sign-up operations in plain Rust: each one checks its input and
//! becomes one request (method, path, JSON body), or an error before
//! anything is sent.
//!
//! The binding layer sends the request and takes in the answer.

use crate::error::{Error, Result};
use crate::fetch::Method;
use crate::params::{join, JsonObject, Rules, SignUpParams};
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
    Prepare {
        target: Target,
        strategy: Option<String>,
        redirect_url: Option<String>,
    },
    /// Check a code.
    Attempt {
        target: Target,
        strategy: Option<String>,
        code: Option<String>,
    },
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Option<String>,
}

/// Turns an operation on the sign-up `id` (`None` before `create`) into its
/// request. Every check that can fail on the client fails here.
pub fn request(op: Op, id: Option<&str>, rules: &Rules) -> Result<Request> {
    let path = |rest: &str| match id {
        Some(id) => Ok(join(&["/v1/client/sign_ups/", id, rest])),
        None => Err(Error::sdk(ErrorCode::SignUpNotFound, None)),
    };
    let (method, path, body) = match op {
        Op::Create(params) => (
            Method::Post,
            "/v1/client/sign_ups".into(),
            Some(params.validated(rules)?.to_json()),
        ),
        Op::Update(params) => {
            let body = params.validated(rules)?.to_json();
            (Method::Patch, path("")?, Some(body))
        }
        Op::Reload => (Method::Get, path("")?, None),
        Op::Prepare {
            target,
            strategy,
            redirect_url,
        } => {
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
                None if link => {
                    return Err(Error::param(ErrorCode::FormParamMissing, "redirect_url"))
                }
                None => {}
            }
            (
                Method::Post,
                path("/prepare_verification")?,
                Some(body.finish()),
            )
        }
        Op::Attempt {
            target,
            strategy,
            code,
        } => {
            let strategy = pick_strategy(target, strategy)?;
            if !strategy.uses_code() {
                return Err(Error::param(
                    ErrorCode::VerificationStrategyInvalid,
                    "strategy",
                ));
            }
            let code = code.ok_or_else(|| Error::param(ErrorCode::FormParamMissing, "code"))?;
            let code = validate::verification_code(&code)?;
            let mut body = JsonObject::new();
            body.string("strategy", strategy.as_str());
            body.string("code", &code);
            (
                Method::Post,
                path("/attempt_verification")?,
                Some(body.finish()),
            )
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
        _ => Err(Error::param(
            ErrorCode::VerificationStrategyInvalid,
            "strategy",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Value;

    fn code_of<T: core::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().first().unwrap().code.clone()
    }

    fn rules() -> Rules {
        Rules {
            enabled: [true; 8],
            ..Rules::default()
        }
    }

    #[test]
    fn strategies_default_per_field_and_must_match_it() {
        assert_eq!(
            pick_strategy(Target::Only(Field::EmailAddress), None).unwrap(),
            Strategy::EmailCode
        );
        assert_eq!(
            pick_strategy(Target::Only(Field::PhoneNumber), None).unwrap(),
            Strategy::PhoneCode
        );
        assert_eq!(
            pick_strategy(Target::Any, Some("phone_code".into())).unwrap(),
            Strategy::PhoneCode
        );
        assert_eq!(
            code_of(pick_strategy(
                Target::Only(Field::EmailAddress),
                Some("phone_code".into())
            )),
            "verification_strategy_invalid"
        );
        assert_eq!(
            code_of(pick_strategy(Target::Any, Some("sms".into()))),
            "verification_strategy_invalid"
        );
        assert_eq!(
            code_of(pick_strategy(Target::Any, None)),
            "form_param_missing"
        );
    }

    #[test]
    fn operations_become_requests() {
        let create = Op::Create(SignUpParams {
            fields: vec![(Field::EmailAddress, Value::Text("ana@example.com".into()))],
            ..SignUpParams::default()
        });
        let r = request(create, None, &rules()).unwrap();
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, "/v1/client/sign_ups")
        );
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"email_address":"ana@example.com"}"#)
        );

        let attempt = Op::Attempt {
            target: Target::Only(Field::PhoneNumber),
            strategy: None,
            code: Some(" 123456 ".into()),
        };
        let r = request(attempt, Some("su_1"), &rules()).unwrap();
        assert_eq!(r.path, "/v1/client/sign_ups/su_1/attempt_verification");
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"strategy":"phone_code","code":"123456"}"#)
        );

        let r = request(Op::Reload, Some("su_1"), &rules()).unwrap();
        assert_eq!((r.method, r.body), (Method::Get, None));
    }

    #[test]
    fn a_link_goes_back_to_a_checked_redirect_url_and_a_code_takes_none() {
        let prepare = |strategy: &str, url: Option<&str>| Op::Prepare {
            target: Target::Only(Field::EmailAddress),
            strategy: Some(strategy.into()),
            redirect_url: url.map(String::from),
        };
        let r = request(
            prepare("email_link", Some("https://app.example.com/verify")),
            Some("su_1"),
            &rules(),
        )
        .unwrap();
        assert_eq!(r.path, "/v1/client/sign_ups/su_1/prepare_verification");
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"strategy":"email_link","redirect_url":"https://app.example.com/verify"}"#)
        );
        let refused = |op| {
            let e = request(op, Some("su_1"), &rules()).unwrap_err();
            let item = e.first().unwrap().clone();
            (item.code, item.param_name.unwrap())
        };
        let param = |code: &str| (String::from(code), String::from("redirect_url"));
        assert_eq!(
            refused(prepare("email_link", None)),
            param("form_param_missing")
        );
        assert_eq!(
            refused(prepare("email_code", Some("https://app.example.com/"))),
            param("form_param_unknown")
        );
        let r = request(Op::Events, Some("su_1"), &rules()).unwrap();
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Get, "/v1/client/sign_ups/su_1/events")
        );
    }

    #[test]
    fn operations_on_no_sign_up_or_with_bad_codes_make_no_request() {
        assert_eq!(
            code_of(request(Op::Reload, None, &rules())),
            "sign_up_not_found"
        );
        let attempt = |code: Option<&str>| Op::Attempt {
            target: Target::Only(Field::EmailAddress),
            strategy: None,
            code: code.map(String::from),
        };
        assert_eq!(
            code_of(request(attempt(Some("12ab56")), Some("su_1"), &rules())),
            "form_param_format_invalid"
        );
        assert_eq!(
            code_of(request(attempt(None), Some("su_1"), &rules())),
            "form_param_missing"
        );
    }
}
