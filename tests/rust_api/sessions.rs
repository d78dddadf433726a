//! Sign-in (password, and an emailed code), the session's token, and
//! signing out.

use crate::support::*;
use gatehouse::rust_api::wire::{AttemptFirstFactorParams, SignInParams};
use gatehouse::rust_api::{ErrorCode, FirstFactor, Gatehouse, SignInStatus, TokenMode};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_password_sign_in_makes_a_session_with_tokens_until_sign_out() {
    let email = unique_email();
    signed_up(&email).await;
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    assert!(gh.session().is_none());

    let params = SignInParams {
        identifier: Some(email.clone()),
        password: Some(PASSWORD.into()),
        strategy: None,
        redirect_url: None,
    };
    let sign_in = gh.sign_in().create(&params).await.expect("sign in");
    assert_eq!(sign_in.status, SignInStatus::Complete);
    let session = gh.session().expect("a session");
    assert_eq!(Some(session.id()), sign_in.created_session_id.as_deref());

    let jwt = session.get_token().await.expect("token");
    assert_eq!(jwt.split('.').count(), 3, "a JWT: {jwt}");
    assert_eq!(session.get_token().await.expect("token again"), jwt, "kept while it is fresh");

    gh.sign_out().await.expect("sign out");
    assert!(gh.session().is_none());
    assert!(gh.client().sessions.iter().all(|s| s.id != session.id()));
    let refused = session.get_token().await.expect_err("no token after sign-out");
    assert_eq!(refused.code, ErrorCode::SessionNotFound);
    assert!(refused.trace_id.is_some());
}

#[wasm_bindgen_test]
async fn an_emailed_code_signs_in_in_cookie_mode() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = Gatehouse::load(API, TokenMode::Cookie).await.expect("load");
    let sign_in = gh.sign_in();
    let params = SignInParams { identifier: Some(email.clone()), ..Default::default() };
    assert_eq!(sign_in.create(&params).await.expect("create").status, SignInStatus::NeedsFirstFactor);
    sign_in.prepare_first_factor(FirstFactor::EmailCode).await.expect("prepare");
    let attempt = AttemptFirstFactorParams {
        strategy: Some("email_code".into()),
        code: Some(code_sent_to(&email).await),
        password: None,
        token: None,
    };
    let done = sign_in.attempt_first_factor(&attempt).await.expect("attempt");
    assert_eq!(done.status, SignInStatus::Complete);
    let session = gh.session().expect("a session");
    assert!(!session.get_token().await.expect("token").is_empty());
    session.sign_out().await.expect("sign out");
    assert!(gh.session().is_none());
}
