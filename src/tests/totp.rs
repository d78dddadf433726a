//! Unit tests of `crate::totp`.

use super::*;

#[test]
fn each_op_posts_to_the_session_with_its_code() {
    let r = request(Op::Create, None, Some("sess_1")).unwrap();
    assert_eq!(
        (r.method, r.path.as_str(), r.body.as_deref()),
        (Method::Post, "/v1/client/sessions/sess_1/totp", Some("{}"))
    );
    let r = request(Op::Verify, Some(String::from(" 123456")), Some("sess_1")).unwrap();
    assert_eq!(r.path, "/v1/client/sessions/sess_1/totp/attempt_verification");
    assert_eq!(r.body.as_deref(), Some(r#"{"code":"123456"}"#));
    let r = request(Op::Disable, Some(String::from("AB12cd34ef")), Some("sess_1")).unwrap();
    assert_eq!(r.path, "/v1/client/sessions/sess_1/totp/disable");
    assert_eq!(r.body.as_deref(), Some(r#"{"code":"ab12cd34ef"}"#));
}

#[test]
fn bad_codes_and_no_session_are_refused_before_sending() {
    let code = |op, c: &str| request(op, Some(String::from(c)), Some("s")).unwrap_err().first().unwrap().code.as_str();
    assert_eq!(code(Op::Verify, "ab12cd34ef"), "form_param_format_invalid");
    assert_eq!(code(Op::Disable, "12345"), "form_param_format_invalid");
    let missing = request(Op::Verify, None, Some("s")).unwrap_err();
    assert_eq!(missing.first().unwrap().code.as_str(), "form_param_missing");
    let out = request(Op::Create, None, None).unwrap_err();
    assert_eq!(out.first().unwrap().code.as_str(), "session_not_found");
}
