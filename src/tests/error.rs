//! Unit tests of `crate::error`.

use super::*;

#[test]
fn field_errors_keep_their_message_and_param() {
    let e = Error::from(gatehouse_protocol::validate::email_address("nope").unwrap_err());
    let item = e.first().unwrap();
    assert_eq!(item.code, "form_param_format_invalid");
    assert_eq!(item.param_name.as_deref(), Some("email_address"));
    assert!(item.message.contains("email"));
    assert_eq!((e.status, e.retry_after), (0, None));
}

#[test]
fn every_sdk_code_has_its_own_texts() {
    for code in SDK_CODES {
        assert_eq!(sdk_texts(code), (code.as_str(), code.message(), code.long_message()));
    }
}

#[test]
fn other_codes_read_as_response_invalid() {
    let invalid = ErrorCode::ResponseInvalid;
    assert_eq!(sdk_texts(ErrorCode::InternalError), (invalid.as_str(), invalid.message(), invalid.long_message()));
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
    assert_eq!(e.first().unwrap().code, "response_invalid");
    assert_eq!((e.status, e.retry_after), (502, Some(3)));
    assert_eq!(Error::network().first().unwrap().long_message, ErrorCode::NetworkError.long_message());
}
