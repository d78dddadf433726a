//! Unit tests of `crate::error`.

use super::*;

#[test]
fn field_errors_keep_their_message_and_param() {
    let e = Error::from(gatehouse_protocol::validate::email_address("nope").unwrap_err());
    let item = e.first().unwrap();
    assert_eq!(item.code, ErrorCode::FormParamFormatInvalid);
    assert_eq!(item.param_name.as_deref(), Some("email_address"));
    assert!(item.message().contains("email"));
    assert_eq!((e.status, e.retry_after), (0, None));
}

#[test]
fn every_sdk_code_has_its_own_texts() {
    for (i, code) in SDK_CODES.into_iter().enumerate() {
        let item = ErrorItem::from_code(code, None);
        assert_eq!((item.code, item.message(), item.long_message()), (code, code.message(), code.long_message()));
        assert_eq!(sdk_index(code), i);
    }
}

#[test]
fn other_codes_read_as_response_invalid() {
    assert_eq!(ErrorItem::from_code(ErrorCode::InternalError, None).code, ErrorCode::ResponseInvalid);
    assert_eq!(SDK_CODES[sdk_index(ErrorCode::InternalError)], ErrorCode::ResponseInvalid);
}

#[test]
fn the_validators_raise_only_sdk_codes() {
    use gatehouse_protocol::validate::*;
    let (pw, un) = (PasswordRules::default(), UsernameRules::default());
    let long = "x".repeat(300);
    let errors = [
        email_address("nope").unwrap_err(),
        phone_number("12").unwrap_err(),
        username("a", &un).unwrap_err(),
        username("_abc", &un).unwrap_err(),
        password("short", &pw).unwrap_err(),
        password(&long, &pw).unwrap_err(),
        person_name("first_name", " ").unwrap_err(),
        person_name("first_name", &long).unwrap_err(),
        web3_wallet("0x1").unwrap_err(),
        verification_code("12").unwrap_err(),
        metadata_size(5000).unwrap_err(),
        identifier(" ").unwrap_err(),
        identifier("a@b").unwrap_err(),
        identifier("+1").unwrap_err(),
    ];
    for e in errors {
        assert!(SDK_CODES.contains(&e.code), "{}", e.code.as_str());
    }
}

#[test]
fn sdk_codes_come_from_the_table() {
    let e = Error::response_invalid(502, Some(3));
    assert_eq!(e.first().unwrap().code, ErrorCode::ResponseInvalid);
    assert_eq!((e.status, e.retry_after), (502, Some(3)));
    assert_eq!(Error::network().first().unwrap().long_message(), ErrorCode::NetworkError.long_message());
}

/// The JS `GatehouseError` holds the texts of the SDK's codes
/// (`bindings/error.rs`'s `TEXTS`): they are these.
#[test]
fn the_js_holds_the_sdk_codes_texts() {
    let texts = sdk_texts();
    assert_eq!(texts.split('|').count(), 3 * SDK_CODES.len(), "no text holds a |");
    let js = include_str!("../bindings/error.rs").replace("\n  \"", " \"");
    let line = format!("const TEXTS = \"{texts}\".split(\"|\");");
    assert!(js.contains(&line), "src/bindings/error.rs should say:\n{line}");
}
