//! The two token modes: cookie (the default) and bearer.

use crate::support::*;
use gatehouse::Gatehouse;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn cookie_mode_shares_the_client_through_the_cookie() {
    // tokenMode left out: cookie is the default.
    // A client is stored on its first change (the server keeps no row for
    // a browser that only reads), so the client id is compared after it.
    let first = JsFuture::from(Gatehouse::load(obj(&[("frontendApi", s(API))]))).await.expect("load");
    let sign_up = get(&first, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    let client = text(&first, "client.id").unwrap();
    let second = load("cookie").await;
    assert_eq!(text(&second, "client.id"), Some(client), "the same browser, the same client");
    assert_eq!(text(&second, "client.signUpId"), text(&sign_up, "id"));
}

#[wasm_bindgen_test]
async fn bearer_mode_keeps_its_own_client_token() {
    let first = load("bearer").await;
    let second = load("bearer").await;
    // Each request after the first change carries the token, so the
    // sign-up is found.
    let sign_up = get(&first, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    let client = text(&first, "client.id").unwrap();
    let other = get(&second, "signUp");
    call(&other, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    assert_ne!(text(&second, "client.id"), Some(client.clone()), "each bearer instance is its own client");
    call(&sign_up, "update", obj(&[("password", s("correct horse battery"))])).await.expect("update");
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert_eq!(get(&sign_up, "hasPassword").as_bool(), Some(true));
    assert_eq!(text(&first, "client.id"), Some(client));
    assert_eq!(text(&first, "client.signUpId"), text(&sign_up, "id"));
}
