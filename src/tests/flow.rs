//! Unit tests of `crate::flow`.

use super::*;
use crate::params::Value;

fn code_of<T: core::fmt::Debug>(r: Result<T>) -> &'static str {
    r.unwrap_err().first().unwrap().code.as_str()
}

fn rules() -> Rules {
    Rules { enabled: [true; 8], ..Rules::default() }
}

#[test]
fn strategies_default_per_field_and_must_match_it() {
    assert_eq!(pick_strategy(Target::Only(Field::EmailAddress), None).unwrap(), Strategy::EmailCode);
    assert_eq!(pick_strategy(Target::Only(Field::PhoneNumber), None).unwrap(), Strategy::PhoneCode);
    assert_eq!(pick_strategy(Target::Any, Some("phone_code".into())).unwrap(), Strategy::PhoneCode);
    assert_eq!(
        code_of(pick_strategy(Target::Only(Field::EmailAddress), Some("phone_code".into()))),
        "verification_strategy_invalid"
    );
    assert_eq!(code_of(pick_strategy(Target::Any, Some("sms".into()))), "verification_strategy_invalid");
    assert_eq!(code_of(pick_strategy(Target::Any, None)), "form_param_missing");
}

#[test]
fn operations_become_requests() {
    let create = Op::Create(SignUpParams {
        fields: vec![(Field::EmailAddress, Value::Text("ana@example.com".into()))],
        ..SignUpParams::default()
    });
    let r = request(create, None, &rules()).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/v1/client/sign_ups"));
    assert_eq!(r.body.as_deref(), Some(r#"{"email_address":"ana@example.com"}"#));

    let attempt =
        Op::Attempt { target: Target::Only(Field::PhoneNumber), strategy: None, code: Some(" 123456 ".into()) };
    let r = request(attempt, Some("su_1"), &rules()).unwrap();
    assert_eq!(r.path, "/v1/client/sign_ups/su_1/attempt_verification");
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"phone_code","code":"123456"}"#));

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
    let r = request(prepare("email_link", Some("https://app.example.com/verify")), Some("su_1"), &rules()).unwrap();
    assert_eq!(r.path, "/v1/client/sign_ups/su_1/prepare_verification");
    assert_eq!(r.body.as_deref(), Some(r#"{"strategy":"email_link","redirect_url":"https://app.example.com/verify"}"#));
    let refused = |op| {
        let e = request(op, Some("su_1"), &rules()).unwrap_err();
        let item = e.first().unwrap().clone();
        (item.code.as_str(), item.param_name.unwrap())
    };
    let param = |code: &'static str| (code, String::from("redirect_url"));
    assert_eq!(refused(prepare("email_link", None)), param("form_param_missing"));
    assert_eq!(refused(prepare("email_code", Some("https://app.example.com/"))), param("form_param_unknown"));
    let r = request(Op::Events, Some("su_1"), &rules()).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Get, "/v1/client/sign_ups/su_1/events"));
}

#[test]
fn operations_on_no_sign_up_or_with_bad_codes_make_no_request() {
    assert_eq!(code_of(request(Op::Reload, None, &rules())), "sign_up_not_found");
    let attempt = |code: Option<&str>| Op::Attempt {
        target: Target::Only(Field::EmailAddress),
        strategy: None,
        code: code.map(String::from),
    };
    assert_eq!(code_of(request(attempt(Some("12ab56")), Some("su_1"), &rules())), "form_param_format_invalid");
    assert_eq!(code_of(request(attempt(None), Some("su_1"), &rules())), "form_param_missing");
}
