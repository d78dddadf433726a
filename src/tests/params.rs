//! Unit tests of `crate::params`.

use super::*;

fn env() -> Rules {
    let mut enabled = [true; 8];
    enabled[Field::Username as usize] = false;
    Rules { enabled, ..Rules::default() }
}

fn params(fields: Vec<(Field, Value)>) -> SignUpParams {
    SignUpParams { fields, ..SignUpParams::default() }
}

#[test]
fn normalizes_and_writes_snake_case_json() {
    let p = params(vec![
        (Field::EmailAddress, Value::Text(" Ana@Example.com ".into())),
        (Field::PhoneNumber, Value::Text("+1 (415) 555-0123".into())),
        (Field::Password, Value::Text("correct \"horse\"\\".into())),
        (Field::LegalAccepted, Value::Bool(true)),
    ]);
    let p = SignUpParams { unsafe_metadata: Some("{\"planId\":1}".into()), ..p };
    let json = p.to_json(&env()).unwrap();
    assert_eq!(
        json,
        r#"{"email_address":"ana@example.com","phone_number":"+14155550123","password":"correct \"horse\"\\","legal_accepted":true,"unsafe_metadata":{"planId":1}}"#
    );
}

#[test]
fn refuses_invalid_values_with_the_param_name() {
    let e = params(vec![(Field::EmailAddress, Value::Text("nope".into()))]).to_json(&env()).unwrap_err();
    let item = e.first().unwrap();
    assert_eq!((item.code.as_str(), item.param_name.as_deref()), ("form_param_format_invalid", Some("email_address")));

    let e = params(vec![(Field::Password, Value::Text("short".into()))]).to_json(&env()).unwrap_err();
    assert_eq!(e.first().unwrap().code.as_str(), "form_password_length_too_short");

    let e = params(vec![(Field::FirstName, Value::Bool(true))]).to_json(&env()).unwrap_err();
    assert_eq!(e.first().unwrap().param_name.as_deref(), Some("first_name"));
}

#[test]
fn refuses_fields_the_instance_turned_off() {
    let e = params(vec![(Field::Username, Value::Text("ana".into()))]).to_json(&env()).unwrap_err();
    let item = e.first().unwrap();
    assert_eq!((item.code.as_str(), item.param_name.as_deref()), ("form_param_unknown", Some("username")));
}

#[test]
fn refuses_oversized_metadata() {
    let big = ["{\"k\":\"", &"x".repeat(5000), "\"}"].concat();
    let p = SignUpParams { unsafe_metadata: Some(big), ..SignUpParams::default() };
    assert_eq!(p.to_json(&env()).unwrap_err().first().unwrap().param_name.as_deref(), Some("unsafe_metadata"));
}

#[test]
fn a_ticket_and_its_strategy_are_sent_as_given() {
    // The server checks them (a ticket only it can tell apart).
    let p = SignUpParams {
        fields: vec![(Field::Password, Value::Text("correct horse battery".into()))],
        extra: vec![("strategy", "ticket".into()), ("ticket", "tk_1".into())],
        ..SignUpParams::default()
    };
    assert_eq!(
        p.to_json(&env()).unwrap(),
        r#"{"password":"correct horse battery","strategy":"ticket","ticket":"tk_1"}"#
    );
}

#[test]
fn escapes_control_characters() {
    let mut s = String::new();
    push_json_string(&mut s, "a\u{1}b\n\u{1f}é");
    assert_eq!(s, "\"a\\u0001b\\n\\u001fé\"");
    assert_eq!(JsonObject::new().finish(), "{}");
}
