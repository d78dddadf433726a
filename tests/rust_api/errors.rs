//! Errors are typed: the wire code, `param_name` and, from the server,
//! its `trace_id`.

use crate::support::*;
use gatehouse::rust_api::wire::{SignInParams, SignUpParams};
use gatehouse::rust_api::{ErrorCode, Gatehouse, TokenMode};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_bad_param_is_refused_before_sending() {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let params = SignUpParams { email_address: Some("not an address".into()), ..Default::default() };
    let error = gh.sign_up().create(&params).await.expect_err("refused");
    assert_eq!(error.code, ErrorCode::FormParamFormatInvalid);
    assert_eq!(error.param_name.as_deref(), Some("email_address"));
    assert_eq!((error.status, error.trace_id.as_deref()), (0, None), "nothing was sent");
    assert!(error.to_string().starts_with("form_param_format_invalid: "), "{error}");
    assert!(gh.client().sign_up_id.is_none());
}

#[wasm_bindgen_test]
async fn the_server_s_errors_carry_code_param_and_trace_id() {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let sign_up = gh.sign_up();
    let email = unique_email();
    sign_up.create(&SignUpParams { email_address: Some(email.clone()), ..Default::default() }).await.expect("create");
    sign_up.prepare_email_address_verification().await.expect("prepare");
    let right = code_sent_to(&email).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let error = sign_up.attempt_email_address_verification(wrong).await.expect_err("a wrong code");
    assert_eq!(error.code, ErrorCode::FormCodeIncorrect);
    assert_eq!(error.param_name.as_deref(), Some("code"));
    assert_eq!(error.status, 422);
    assert!(error.trace_id.as_deref().is_some_and(|t| !t.is_empty()), "{error:?}");

    let unknown = SignInParams { identifier: Some(unique_email()), ..Default::default() };
    let error = gh.sign_in().create(&unknown).await.expect_err("no such account");
    assert_eq!(error.code, ErrorCode::FormIdentifierNotFound);
    assert_eq!(error.param_name.as_deref(), Some("identifier"));
}
