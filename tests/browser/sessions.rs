//! `gh.session`: `getToken()` (a cached JWT, one request for concurrent
//! calls) and `signOut()` (then `getToken()` fails).

use crate::support::*;
use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// A bearer instance signed in as a new user: `(gh, user id)`.
async fn signed_in() -> (JsValue, String) {
    let email = unique_email();
    let user = signed_up_by_invitation(&email).await;
    let gh = load("bearer").await;
    let params = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    (gh, user)
}

/// `session.getToken()`'s promise, not awaited.
fn get_token(session: &JsValue) -> Promise {
    let f: js_sys::Function = get(session, "getToken").dyn_into().unwrap();
    f.call0(session).unwrap().dyn_into().unwrap()
}

#[wasm_bindgen_test]
async fn get_token_answers_a_cached_session_jwt() {
    let (gh, user) = signed_in().await;
    let session = get(&gh, "session");
    let session_id = text(&session, "id").unwrap();

    let before = fetch_count();
    let jwt = call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken").as_string().expect("a string");
    assert_eq!(fetch_count(), before + 1);
    assert_eq!(jwt.split('.').count(), 3);
    let header = jwt_part(&jwt, 0);
    assert_eq!(text(&header, "alg").as_deref(), Some("EdDSA"));
    assert!(text(&header, "kid").is_some());
    let claims = jwt_part(&jwt, 1);
    assert_eq!(text(&claims, "sub"), Some(user));
    assert_eq!(text(&claims, "sid"), Some(session_id));
    let (iat, exp) = (get(&claims, "iat").as_f64().unwrap(), get(&claims, "exp").as_f64().unwrap());
    assert_eq!(exp - iat, 60.0, "the default lifetime");
    assert!(text(&claims, "iss").is_some() && text(&claims, "jti").is_some());

    // Again: the same token, from the cache.
    let again = call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken");
    assert_eq!(again.as_string(), Some(jwt));
    assert_eq!(fetch_count(), before + 1, "no second request");
}

#[wasm_bindgen_test]
async fn concurrent_get_token_calls_share_one_request() {
    let (gh, _) = signed_in().await;
    let session = get(&gh, "session");
    let before = fetch_count();
    let calls = Array::of3(&get_token(&session), &get_token(&session), &get_token(&session));
    let tokens = JsFuture::from(Promise::all(&calls)).await.expect("all");
    assert_eq!(fetch_count(), before + 1, "one request for three calls");
    let tokens: Vec<_> = Array::from(&tokens).iter().map(|t| t.as_string()).collect();
    assert!(tokens[0].is_some());
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

#[wasm_bindgen_test]
async fn after_sign_out_get_token_fails_with_session_not_found() {
    let (gh, _) = signed_in().await;
    let session = get(&gh, "session");
    let session_id = text(&session, "id").unwrap();
    call(&session, "getToken", JsValue::UNDEFINED).await.expect("a token before");

    let done = call(&session, "signOut", JsValue::UNDEFINED).await.expect("signOut");
    assert!(done.is_undefined());
    assert!(get(&gh, "session").is_null());
    assert!(get(&gh, "client.lastActiveSessionId").is_null());
    assert_eq!(get(&gh, "client.sessions.length").as_f64(), Some(0.0));
    // The object kept shows what happened to its session.
    assert_eq!(text(&session, "id"), Some(session_id));
    assert_eq!(text(&session, "status").as_deref(), Some("revoked"));

    let before = fetch_count();
    let err = rejected(call(&session, "getToken", JsValue::UNDEFINED).await);
    assert_eq!(fetch_count(), before + 1, "the cached token is not used");
    assert_eq!(error_code(&err), "session_not_found");
    assert_eq!(status(&err), 404.0);

    // Signing out with no session does nothing.
    let before = fetch_count();
    call(&gh, "signOut", JsValue::UNDEFINED).await.expect("signOut without a session");
    assert_eq!(fetch_count(), before);
}

#[wasm_bindgen_test]
async fn gh_sign_out_signs_out_of_the_current_session() {
    let (gh, _) = signed_in().await;
    let session = get(&gh, "session");
    call(&gh, "signOut", JsValue::UNDEFINED).await.expect("signOut");
    assert!(get(&gh, "session").is_null());
    let err = rejected(call(&session, "getToken", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&err), "session_not_found");

    // A new sign-in shows the new session on the same object.
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let params = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    let sign_in = get(&gh, "signIn");
    call(&sign_in, "create", params).await.expect("sign in");
    let current = get(&gh, "session");
    assert!(js_sys::Object::is(&current, &session));
    assert_eq!(text(&current, "id"), text(&sign_in, "createdSessionId"));
    assert_eq!(text(&current, "status").as_deref(), Some("active"));
    let jwt =
        call(&current, "getToken", JsValue::UNDEFINED).await.expect("a token for the new session").as_string().unwrap();
    assert_eq!(text(&jwt_part(&jwt, 1), "sid"), text(&sign_in, "createdSessionId"));
}
