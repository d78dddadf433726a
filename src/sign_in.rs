//! The sign-in operations in plain Rust: each one becomes one request, after
//! the checks of what a person types (the identifier, the code, the
//! password), or an error before anything is sent. The binding layer sends
//! it and takes in the answer.
//!
//! The shape of a call (which `strategy`, which proof goes with it) is the
//! server's to check: the TypeScript types already rule out the wrong ones.
//! Passwords are not held to the sign-up length rules: the server does not
//! either, because an account synced from another system may have one that
//! predates them. An empty one is refused (it cannot be right, and a wrong
//! one counts against the account's limit).

use crate::error::{Error, Result};
use crate::fetch::Method;
use crate::flow::Request;
use crate::params::{join, JsonObject};
use alloc::string::String;
use gatehouse_protocol::{validate, ErrorCode};

/// One operation on the sign-in, as the JS methods ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `{ identifier, password?, strategy? }`: a new sign-in.
    Create,
    /// Read the sign-in again.
    Reload,
    /// `{ strategy: "email_code" }`: send a code.
    Prepare,
    /// `{ strategy: "email_code", code }` or `{ strategy: "password", password }`.
    Attempt,
}

/// A param of the sign-in operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Identifier,
    Password,
    Strategy,
    Code,
}

impl Param {
    /// Its JS and wire name (they are the same).
    pub const fn name(self) -> &'static str {
        match self {
            Param::Identifier => "identifier",
            Param::Password => "password",
            Param::Strategy => "strategy",
            Param::Code => "code",
        }
    }
}

impl Op {
    /// The params each operation takes.
    pub const fn params(self) -> &'static [Param] {
        match self {
            Op::Create => &[Param::Identifier, Param::Password, Param::Strategy],
            Op::Reload => &[],
            Op::Prepare => &[Param::Strategy],
            Op::Attempt => &[Param::Strategy, Param::Code, Param::Password],
        }
    }
}

/// Turns an operation on the sign-in `id` (`None` before `create`) into
/// its request. `param` reads each of the operation's params (`None` when
/// absent); values are normalized as the server stores them.
pub fn request(
    op: Op,
    mut param: impl FnMut(&'static str) -> Result<Option<String>>,
    id: Option<&str>,
) -> Result<Request> {
    let mut body = JsonObject::new();
    for &p in op.params() {
        let key = p.name();
        let value = match (param(key)?, p) {
            // Only `create` takes an identifier, and it needs one.
            (None, Param::Identifier) => String::new(),
            (None, _) => continue,
            (Some(value), _) => value,
        };
        let value = match p {
            Param::Identifier => validate::identifier(&value)?.as_str().into(),
            Param::Code => validate::verification_code(&value)?,
            Param::Password if value.is_empty() => {
                return Err(Error::param(ErrorCode::FormParamMissing, key))
            }
            _ => value,
        };
        body.string(key, &value);
    }
    let (method, rest) = match op {
        Op::Create => (Method::Post, None),
        Op::Reload => (Method::Get, Some("")),
        Op::Prepare => (Method::Post, Some("/prepare_first_factor")),
        Op::Attempt => (Method::Post, Some("/attempt_first_factor")),
    };
    let path = match (rest, id) {
        (None, _) => String::from("/v1/client/sign_ins"),
        (Some(rest), Some(id)) => join(&["/v1/client/sign_ins/", id, rest]),
        (Some(_), None) => return Err(Error::sdk(ErrorCode::SignInNotFound, None)),
    };
    Ok(Request {
        method,
        path,
        body: (method == Method::Post).then(|| body.finish()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The params reader of `pairs`.
    fn params<'a>(
        pairs: &'a [(&'static str, &str)],
    ) -> impl FnMut(&'static str) -> Result<Option<String>> + 'a {
        |key| {
            Ok(pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| String::from(*v)))
        }
    }

    fn refused(op: Op, pairs: &[(&'static str, &str)]) -> (String, Option<String>) {
        let e = request(op, params(pairs), Some("sin_1")).unwrap_err();
        assert_eq!(e.status, 0);
        let item = e.first().unwrap().clone();
        (item.code, item.param_name)
    }

    fn err(code: &str, param: &str) -> (String, Option<String>) {
        (code.into(), Some(param.into()))
    }

    #[test]
    fn create_normalizes_the_identifier() {
        let r = request(
            Op::Create,
            params(&[("identifier", " Ana@Example.com "), ("password", "pw")]),
            None,
        )
        .unwrap();
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, "/v1/client/sign_ins")
        );
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"identifier":"ana@example.com","password":"pw"}"#)
        );
        let r = request(
            Op::Create,
            params(&[("identifier", "Ana.L"), ("strategy", "email_code")]),
            None,
        )
        .unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"identifier":"ana.l","strategy":"email_code"}"#)
        );
        let r = request(
            Op::Create,
            params(&[("identifier", "+1 415 555 0123")]),
            None,
        )
        .unwrap();
        assert_eq!(r.body.as_deref(), Some(r#"{"identifier":"+14155550123"}"#));
    }

    #[test]
    fn create_refuses_what_a_person_typed_wrong() {
        assert_eq!(
            refused(Op::Create, &[("password", "pw")]),
            err("form_param_missing", "identifier")
        );
        assert_eq!(
            refused(Op::Create, &[("identifier", "  ")]),
            err("form_param_missing", "identifier")
        );
        assert_eq!(
            refused(Op::Create, &[("identifier", "a@b"), ("password", "pw")]),
            err("form_param_format_invalid", "identifier")
        );
        assert_eq!(
            refused(Op::Create, &[("identifier", "ana"), ("password", "")]),
            err("form_param_missing", "password")
        );
    }

    #[test]
    fn first_factors_prepare_and_attempt() {
        let r = request(
            Op::Prepare,
            params(&[("strategy", "email_code")]),
            Some("sin_1"),
        )
        .unwrap();
        assert_eq!(r.path, "/v1/client/sign_ins/sin_1/prepare_first_factor");
        assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"email_code"}"#));
        let attempt = params(&[("strategy", "email_code"), ("code", " 123456 ")]);
        let r = request(Op::Attempt, attempt, Some("sin_1")).unwrap();
        assert_eq!(r.path, "/v1/client/sign_ins/sin_1/attempt_first_factor");
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"strategy":"email_code","code":"123456"}"#)
        );
        let attempt = params(&[("strategy", "password"), ("password", " pw ")]);
        let r = request(Op::Attempt, attempt, Some("sin_1")).unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"strategy":"password","password":" pw "}"#),
            "passwords are sent as typed"
        );
        let r = request(Op::Reload, params(&[]), Some("sin_1")).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.body),
            (Method::Get, "/v1/client/sign_ins/sin_1", None)
        );
    }

    #[test]
    fn first_factors_refuse_bad_codes_and_empty_passwords() {
        assert_eq!(
            refused(
                Op::Attempt,
                &[("strategy", "email_code"), ("code", "12ab56")]
            ),
            err("form_param_format_invalid", "code")
        );
        assert_eq!(
            refused(Op::Attempt, &[("strategy", "password"), ("password", "")]),
            err("form_param_missing", "password")
        );
    }

    #[test]
    fn nothing_is_sent_before_create() {
        for op in [Op::Reload, Op::Prepare, Op::Attempt] {
            let e = request(op, params(&[("strategy", "email_code")]), None).unwrap_err();
            assert_eq!(e.first().unwrap().code, "sign_in_not_found");
        }
    }
}
