//! Sign-ups from an invitation: `create({ strategy: "ticket", ticket })`
//! with the ticket of a link from the dev invitation helper.

use crate::support::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn a_ticket_sign_up_completes_with_a_password() {
    let email = unique_email();
    let invitation = invite(&email).await;
    assert_eq!(text(&invitation, "status").as_deref(), Some("pending"));
    let ticket = ticket_of(&text(&invitation, "url").expect("url")).expect("__gh_ticket");

    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let params = obj(&[("strategy", s("ticket")), ("ticket", s(&ticket)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));
    assert_eq!(text(&sign_up, "emailAddress"), Some(email), "the invited email");
    assert_eq!(text(&sign_up, "verifications.emailAddress.status").as_deref(), Some("verified"));
    assert_eq!(text(&sign_up, "verifications.emailAddress.strategy").as_deref(), Some("ticket"));
    assert!(strings(&sign_up, "unverifiedFields").is_empty());
    assert!(text(&sign_up, "createdUserId").unwrap().starts_with("user_"));
    let session = text(&sign_up, "createdSessionId").expect("createdSessionId");
    assert_eq!(text(&gh, "session.id"), Some(session));
}

#[wasm_bindgen_test]
async fn a_ticket_sign_up_asks_for_what_is_missing() {
    let email = unique_email();
    let ticket = ticket_of(&text(&invite(&email).await, "url").unwrap()).unwrap();
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    // `strategy` may be left out when the ticket is given.
    call(&sign_up, "create", obj(&[("ticket", s(&ticket))])).await.expect("create");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("missing_requirements"));
    assert_eq!(text(&sign_up, "emailAddress"), Some(email));
    assert_eq!(strings(&sign_up, "missingFields"), ["password"]);
    assert!(strings(&sign_up, "unverifiedFields").is_empty());

    call(&sign_up, "update", obj(&[("password", s(PASSWORD)), ("firstName", s("Arya"))])).await.expect("update");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));

    // Used: the ticket cannot start another sign-up.
    let again = load("bearer").await;
    let params = obj(&[("strategy", s("ticket")), ("ticket", s(&ticket))]);
    let err = rejected(call(&get(&again, "signUp"), "create", params).await);
    assert_eq!(error_code(&err), "ticket_invalid");
    assert_eq!(param_name(&err).as_deref(), Some("ticket"));
    assert_eq!(status(&err), 422.0);
}

#[wasm_bindgen_test]
async fn a_bad_ticket_is_ticket_invalid() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let params = obj(&[("strategy", s("ticket")), ("ticket", s("not-a-ticket"))]);
    let err = rejected(call(&sign_up, "create", params).await);
    assert_eq!(error_code(&err), "ticket_invalid");
    assert_eq!(param_name(&err).as_deref(), Some("ticket"));
    let err = rejected(call(&sign_up, "create", obj(&[("strategy", s("ticket"))])).await);
    assert_eq!(error_code(&err), "form_param_missing");
    assert_eq!(param_name(&err).as_deref(), Some("ticket"));
    assert!(get(&sign_up, "id").is_null());
}
