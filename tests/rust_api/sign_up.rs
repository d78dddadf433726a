//! A sign-up with an emailed code, to completion, in cookie mode: the
//! cookie and the page's Origin carry it as they do for the JS SDK.

use crate::support::*;
use gatehouse::rust_api::wire::SignUpParams;
use gatehouse::rust_api::{from_js, to_js, Field, Gatehouse, SignUpStatus, TokenMode, VerificationStatus};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn an_email_code_completes_a_sign_up_in_cookie_mode() {
    let gh = Gatehouse::load(API, TokenMode::Cookie).await.expect("load");
    assert!(gh.environment().sign_up.attributes.email_address.enabled);
    let sign_up = gh.sign_up();
    assert!(sign_up.current().is_none());

    let email = unique_email();
    let created = sign_up.create(&SignUpParams { email_address: Some(email.clone()), ..Default::default() }).await;
    let created = created.expect("create");
    assert_eq!(created.status, SignUpStatus::MissingRequirements);
    assert!(created.missing_fields.contains(&Field::Password));
    assert_eq!(gh.client().sign_up_id.as_deref(), Some(created.id.as_str()));

    let updated = sign_up.update(&SignUpParams { password: Some(PASSWORD.into()), ..Default::default() }).await;
    assert!(updated.expect("update").has_password);

    let prepared = sign_up.prepare_email_address_verification().await.expect("prepare");
    let email_verification = prepared.verifications.email_address.expect("email verification");
    assert_eq!(email_verification.status, VerificationStatus::Unverified);

    let done = sign_up.attempt_email_address_verification(&code_sent_to(&email).await).await.expect("attempt");
    assert_eq!(done.status, SignUpStatus::Complete);
    let session = gh.session().expect("a session");
    assert_eq!(Some(session.id()), done.created_session_id.as_deref());
    assert_eq!(Some(session.data().user_id.as_str()), done.created_user_id.as_deref());
    assert_eq!(sign_up.current().map(|s| s.status), Some(SignUpStatus::Complete));

    // A second instance on the page is the same client: the cookie went
    // with every request (credentials: include) and came back.
    let again = Gatehouse::load(API, TokenMode::Cookie).await.expect("load again");
    assert_eq!(again.session().map(|s| s.id().to_owned()), done.created_session_id);
}

#[wasm_bindgen_test]
async fn values_cross_to_js_and_back() {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let email = unique_email();
    let params: SignUpParams = from_js(
        js_sys::JSON::parse(&format!(
            r#"{{"email_address": "{}", "unsafe_metadata": {{"plan": "team"}}}}"#,
            email.to_uppercase()
        ))
        .unwrap(),
    )
    .expect("params from JS");
    let created = gh.sign_up().create(&params).await.expect("create");
    // Normalized by the SDK's check, as the server stores it.
    assert_eq!(created.email_address.as_deref(), Some(email.as_str()));

    let js = to_js(&created).expect("to JS");
    let field = |path: &[&str]| path.iter().fold(js.clone(), |v, k| js_sys::Reflect::get(&v, &(*k).into()).unwrap());
    assert_eq!(field(&["status"]).as_string().as_deref(), Some("missing_requirements"));
    assert_eq!(field(&["unsafe_metadata", "plan"]).as_string().as_deref(), Some("team"));
    assert!(js_sys::Array::is_array(&field(&["missing_fields"])));
}
