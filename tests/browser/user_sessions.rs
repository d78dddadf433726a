//! `gh.user.sessions()` (the user's sessions on every browser) and a
//! listed session's `revoke()`, against the real server.

use crate::support::*;
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// A new bearer instance (its own client: another browser) signed in as `email`.
async fn signed_in_as(email: &str) -> JsValue {
    let gh = load("bearer").await;
    let params = obj(&[("identifier", s(email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    gh
}

async fn sessions(gh: &JsValue) -> Vec<JsValue> {
    let list = call(&get(gh, "user"), "sessions", JsValue::UNDEFINED).await.expect("sessions()");
    Array::from(&list).iter().collect()
}

#[wasm_bindgen_test]
async fn the_user_lists_their_sessions_and_ends_another_one() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let laptop = signed_in_as(&email).await;
    let phone = signed_in_as(&email).await;
    let (at_laptop, at_phone) = (text(&laptop, "session.id").unwrap(), text(&phone, "session.id").unwrap());
    // Someone else's sessions are not in the list.
    let other = unique_email();
    signed_up_by_invitation(&other).await;
    let stranger = signed_in_as(&other).await;

    let listed = sessions(&laptop).await;
    let ids: Vec<String> = listed.iter().map(|x| text(x, "id").unwrap()).collect();
    // Hers only, the most recent first: the sign-up's session is the oldest.
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(ids[..2], [at_phone.clone(), at_laptop.clone()]);
    let (phone_row, laptop_row) = (&listed[0], &listed[1]);
    assert_eq!(get(laptop_row, "current").as_bool(), Some(true));
    assert_eq!(get(phone_row, "current").as_bool(), Some(false));
    let browser = text(laptop_row, "browser").unwrap();
    assert!(browser.starts_with("Chrome ") && browser.ends_with(" on Linux"), "{browser}");
    assert_eq!(text(laptop_row, "ipAddress").as_deref(), Some("127.0.0.1"));
    assert_eq!(text(laptop_row, "status").as_deref(), Some("active"));
    let (created, last) =
        (get(laptop_row, "createdAt").as_f64().unwrap(), get(laptop_row, "lastActiveAt").as_f64().unwrap());
    assert!(created > 0.0 && last >= created, "{created} {last}");
    assert!(get(laptop_row, "expireAt").as_f64().unwrap() > created);
    assert_eq!(sessions(&stranger).await.len(), 2, "the stranger's sign-up and sign-in");

    // The laptop ends the phone's session: the phone gets no more tokens.
    call(&get(&phone, "session"), "getToken", JsValue::UNDEFINED).await.expect("a token before");
    let ended = call(phone_row, "revoke", JsValue::UNDEFINED).await.expect("revoke()");
    assert_eq!(text(&ended, "status").as_deref(), Some("revoked"));
    assert_eq!(text(phone_row, "status").as_deref(), Some("revoked"), "the listed object shows it");
    assert_eq!(text(&get(&laptop, "session"), "id"), Some(at_laptop.clone()), "the laptop stays signed in");
    let left: Vec<String> = sessions(&laptop).await.iter().map(|x| text(x, "id").unwrap()).collect();
    assert_eq!(left, [at_laptop, ids[2].clone()]);
    // The phone shows its session until it asks: signing out of it answers it, ended.
    let phone_session = get(&phone, "session");
    call(&phone_session, "signOut", JsValue::UNDEFINED).await.expect("signing out of an ended session answers it");
    assert_eq!(text(&phone_session, "status").as_deref(), Some("revoked"));
    assert!(get(&phone, "user").is_null(), "signed out: no user");
    assert_eq!(sessions(&stranger).await.len(), 2, "the stranger's sessions live on");
}

#[wasm_bindgen_test]
async fn revoking_the_current_session_signs_out_here() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = signed_in_as(&email).await;
    let session = get(&gh, "session");
    let listed = sessions(&gh).await;
    assert_eq!(listed.len(), 2, "the sign-up's and this one");
    let here = listed.iter().find(|x| get(x, "current").as_bool() == Some(true)).expect("the current one");
    call(here, "revoke", JsValue::UNDEFINED).await.expect("revoke()");
    assert!(get(&gh, "session").is_null());
    assert!(get(&gh, "user").is_null());
    assert_eq!(text(&session, "status").as_deref(), Some("revoked"), "the session object shows it");
    let refused = rejected(call(&session, "getToken", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&refused), "session_not_found");
}
