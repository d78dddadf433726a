//! Unit tests of `crate::sign_in`.

use super::*;

/// The params reader of `pairs`.
fn params<'a>(pairs: &'a [(&'static str, &str)]) -> impl FnMut(&'static str) -> Result<Option<String>> + 'a {
    |key| Ok(pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| String::from(*v)))
}

fn refused(op: Op, pairs: &[(&'static str, &str)]) -> (&'static str, Option<String>) {
    let e = request(op, params(pairs), Some("sin_1")).unwrap_err();
    assert_eq!(e.status, 0);
    let item = e.first().unwrap().clone();
    (item.code.as_str(), item.param_name)
}

fn err(code: &'static str, param: &str) -> (&'static str, Option<String>) {
    (code, Some(param.into()))
}

#[test]
fn create_normalizes_the_identifier() {
    let r = request(Op::Create, params(&[("identifier", " Ana@Example.com "), ("password", "pw")]), None).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/v1/client/sign_ins"));
    assert_eq!(r.body.as_deref(), Some(r#"{"identifier":"ana@example.com","password":"pw"}"#));
    let r = request(Op::Create, params(&[("identifier", "Ana.L"), ("strategy", "email_code")]), None).unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"identifier":"ana.l","strategy":"email_code"}"#));
    let r = request(Op::Create, params(&[("identifier", "+1 415 555 0123")]), None).unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"identifier":"+14155550123"}"#));
}

#[test]
fn create_refuses_what_a_person_typed_wrong() {
    assert_eq!(refused(Op::Create, &[("password", "pw")]), err("form_param_missing", "identifier"));
    assert_eq!(refused(Op::Create, &[("identifier", "  ")]), err("form_param_missing", "identifier"));
    assert_eq!(
        refused(Op::Create, &[("identifier", "a@b"), ("password", "pw")]),
        err("form_param_format_invalid", "identifier")
    );
    assert_eq!(refused(Op::Create, &[("identifier", "ana"), ("password", "")]), err("form_param_missing", "password"));
}

#[test]
fn first_factors_prepare_and_attempt() {
    let r = request(Op::Prepare, params(&[("strategy", "email_code")]), Some("sin_1")).unwrap();
    assert_eq!(r.path, "/v1/client/sign_ins/sin_1/prepare_first_factor");
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"email_code"}"#));
    let attempt = params(&[("strategy", "email_code"), ("code", " 123456 ")]);
    let r = request(Op::Attempt, attempt, Some("sin_1")).unwrap();
    assert_eq!(r.path, "/v1/client/sign_ins/sin_1/attempt_first_factor");
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"email_code","code":"123456"}"#));
    let attempt = params(&[("strategy", "password"), ("password", " pw ")]);
    let r = request(Op::Attempt, attempt, Some("sin_1")).unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"password","password":" pw "}"#), "passwords are sent as typed");
    let r = request(Op::Reload, params(&[]), Some("sin_1")).unwrap();
    assert_eq!((r.method, r.path.as_str(), r.body), (Method::Get, "/v1/client/sign_ins/sin_1", None));
}

#[test]
fn a_reset_link_carries_its_redirect_url() {
    let link = [("strategy", "reset_password_email_link"), ("redirectUrl", "https://app.example/reset")];
    let r = request(Op::Prepare, params(&link), Some("sin_1")).unwrap();
    let body = r#"{"strategy":"reset_password_email_link","redirect_url":"https://app.example/reset"}"#;
    assert_eq!(r.body.as_deref(), Some(body));
    let create = [link[0], link[1], ("identifier", "Ana@Example.com")];
    let r = request(Op::Create, params(&create), None).unwrap();
    let body = r#"{"identifier":"ana@example.com","strategy":"reset_password_email_link","redirect_url":"https://app.example/reset"}"#;
    assert_eq!(r.body.as_deref(), Some(body));
}

#[test]
fn a_reset_link_token_is_attempted_as_given_and_checked_first() {
    let token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_9";
    let r = request(Op::Attempt, params(&[("strategy", "reset_password_email_link"), ("token", token)]), Some("sin_1"));
    let body = r#"{"strategy":"reset_password_email_link","token":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_9"}"#;
    assert_eq!(r.unwrap().body.as_deref(), Some(body));
    for bad in ["", "short", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123+/9"] {
        let attempt = [("strategy", "reset_password_email_link"), ("token", bad)];
        assert_eq!(refused(Op::Attempt, &attempt), err("form_param_format_invalid", "token"), "{bad}");
    }
}

#[test]
fn first_factors_refuse_bad_codes_and_empty_passwords() {
    assert_eq!(
        refused(Op::Attempt, &[("strategy", "email_code"), ("code", "12ab56")]),
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
        assert_eq!(e.first().unwrap().code.as_str(), "sign_in_not_found");
    }
}

#[test]
fn reset_password_sends_the_new_password_and_the_flag() {
    let r = request(Op::ResetPassword, params(&[("password", "new password 1")]), Some("sin_1")).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/v1/client/sign_ins/sin_1/reset_password"));
    assert_eq!(r.body.as_deref(), Some(r#"{"password":"new password 1"}"#));
    let keep = params(&[("password", "pw"), ("signOutOfOtherSessions", "false")]);
    let r = request(Op::ResetPassword, keep, Some("sin_1")).unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"password":"pw","sign_out_of_other_sessions":false}"#));
    assert_eq!(refused(Op::ResetPassword, &[("password", "")]), err("form_param_missing", "password"));
    assert_eq!(
        refused(Op::ResetPassword, &[("password", "pw"), ("signOutOfOtherSessions", "yes")]),
        err("form_param_format_invalid", "signOutOfOtherSessions")
    );
}

#[test]
fn a_second_factor_sends_its_strategy_and_code_in_its_format() {
    let r =
        request(Op::AttemptSecondFactor, params(&[("strategy", "totp"), ("code", " 123456 ")]), Some("sin_1")).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/v1/client/sign_ins/sin_1/attempt_second_factor"));
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"totp","code":"123456"}"#));
    let r =
        request(Op::AttemptSecondFactor, params(&[("strategy", "backup_code"), ("code", "AB12CD34EF")]), Some("sin_1"))
            .unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"backup_code","code":"ab12cd34ef"}"#));
    let wrong = err("form_param_format_invalid", "code");
    assert_eq!(refused(Op::AttemptSecondFactor, &[("strategy", "totp"), ("code", "ab12cd34ef")]), wrong);
    assert_eq!(refused(Op::AttemptSecondFactor, &[("strategy", "backup_code"), ("code", "123456")]), wrong);
}
