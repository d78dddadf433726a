//! `gh.addListener(callback)`: called once after every change the SDK takes
//! in (a sign-up or sign-in answer, a session token, a sign-out), with one
//! snapshot `{ client, session, signUp, signIn }` that is what `gh` shows
//! at that moment; never for a call that failed. The function it returns
//! removes the listener; a listener that throws stops neither the SDK nor
//! the other listeners.

use crate::support::*;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = r#"
export function recorder(gh) {
  const seen = [];
  const stop = gh.addListener((snapshot) => seen.push(snapshot));
  return { seen, stop };
}
export function thrower(gh) {
  return gh.addListener(() => { throw new Error("a listener's bug"); });
}
export function catchReported() {
  const caught = [];
  addEventListener("error", (e) => {
    if (e.error?.message === "a listener's bug") { caught.push(e.error); e.preventDefault(); }
  });
  return caught;
}
"#)]
extern "C" {
    /// Adds a listener that pushes every snapshot to `.seen`; `.stop` removes it.
    fn recorder(gh: &JsValue) -> JsValue;
    /// Adds a listener that throws; answers its remover.
    fn thrower(gh: &JsValue) -> JsValue;
    /// Collects the listener errors the page reports (and keeps them off the console).
    #[wasm_bindgen(js_name = catchReported)]
    fn catch_reported() -> Array;
}

fn seen(recorder: &JsValue) -> Vec<JsValue> {
    Array::from(&get(recorder, "seen")).iter().collect()
}

/// The snapshot shows exactly what `gh` shows now.
fn assert_consistent(gh: &JsValue, snapshot: &JsValue) {
    for key in ["client", "session", "signUp", "signIn"] {
        assert!(Object::is(&get(snapshot, key), &get(gh, key)), "snapshot.{key} is gh.{key}");
    }
}

#[wasm_bindgen_test]
async fn fires_once_per_change_with_a_consistent_snapshot() {
    let gh = load("bearer").await;
    let rec = recorder(&gh);
    assert!(seen(&rec).is_empty(), "nothing at addListener");
    let sign_up = get(&gh, "signUp");
    let email = unique_email();

    let params = obj(&[("emailAddress", s(&email)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    let after_create = seen(&rec);
    assert_eq!(after_create.len(), 1, "once for create");
    assert_consistent(&gh, &after_create[0]);
    assert_eq!(text(&after_create[0], "signUp.status").as_deref(), Some("missing_requirements"));
    assert!(get(&after_create[0], "session").is_null());

    // A call the SDK refuses before sending, and one the server refuses: no change, no call.
    let bad = call(&sign_up, "update", obj(&[("emailAddress", s("not an email"))])).await;
    assert_eq!(error_code(&rejected(bad)), "form_param_format_invalid");
    let wrong = call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s("000000"))])).await;
    rejected(wrong);
    assert_eq!(seen(&rec).len(), 1, "no call for a failed request");

    let code = email_code_for(&sign_up, &email).await;
    assert_eq!(seen(&rec).len(), 2, "once for prepare");
    call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s(&code))])).await.expect("attempt");
    let all = seen(&rec);
    assert_eq!(all.len(), 3, "once for attempt");
    let last = &all[2];
    assert_consistent(&gh, last);
    // Consistent among themselves: the completed sign-up's session is the client's and gh's.
    let session_id = text(last, "session.id").expect("a session");
    assert_eq!(text(last, "signUp.status").as_deref(), Some("complete"));
    assert_eq!(text(last, "signUp.createdSessionId"), Some(session_id.clone()));
    assert_eq!(text(last, "client.lastActiveSessionId"), Some(session_id));
    assert!(!Object::is(&all[1], last), "a new snapshot object per change");

    call(&get(&gh, "session"), "signOut", JsValue::UNDEFINED).await.expect("signOut");
    let all = seen(&rec);
    assert_eq!(all.len(), 4, "once for sign-out");
    assert!(get(&all[3], "session").is_null());
    assert!(get(&all[3], "client.lastActiveSessionId").is_null());
    assert_consistent(&gh, &all[3]);
}

#[wasm_bindgen_test]
async fn sign_in_and_tokens_fire_too() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = load("bearer").await;
    let rec = recorder(&gh);
    let params = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    let all = seen(&rec);
    assert_eq!(all.len(), 1);
    assert_eq!(text(&all[0], "signIn.status").as_deref(), Some("complete"));
    assert_eq!(text(&all[0], "session.id"), text(&all[0], "signIn.createdSessionId"));
    assert_consistent(&gh, &all[0]);

    // A token request's answer refreshes gh.client: one call; the cached token: none.
    let session = get(&gh, "session");
    call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken");
    assert_eq!(seen(&rec).len(), 2);
    call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken, cached");
    assert_eq!(seen(&rec).len(), 2);
}

#[wasm_bindgen_test]
async fn unsubscribe_stops_only_that_listener() {
    let gh = load("bearer").await;
    let (first, second) = (recorder(&gh), recorder(&gh));
    let sign_up = get(&gh, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    assert_eq!((seen(&first).len(), seen(&second).len()), (1, 1));

    let stop: Function = get(&first, "stop").dyn_into().expect("addListener answers a function");
    assert!(stop.call0(&JsValue::NULL).expect("unsubscribe").is_undefined());
    // Twice is harmless.
    stop.call0(&JsValue::NULL).expect("unsubscribe again");
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert_eq!(seen(&first).len(), 1, "no more calls after unsubscribe");
    assert_eq!(seen(&second).len(), 2, "the other listener still called");
}

#[wasm_bindgen_test]
async fn a_throwing_listener_breaks_nothing() {
    let caught = catch_reported();
    let gh = load("bearer").await;
    thrower(&gh);
    let rec = recorder(&gh);
    let sign_up = get(&gh, "signUp");
    let created = call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await;
    assert!(Object::is(&created.expect("create resolves"), &sign_up));
    assert_eq!(seen(&rec).len(), 1, "the next listener is still called");
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("the SDK goes on");
    assert_eq!(seen(&rec).len(), 2);
    // The error is reported to the page, not swallowed.
    until("the reported error", async || caught.length() >= 2).await;
}

#[wasm_bindgen_test]
async fn add_listener_refuses_a_non_function() {
    let gh = load("bearer").await;
    let add: Function = get(&gh, "addListener").dyn_into().unwrap();
    let err = add.call1(&gh, &s("not a function")).expect_err("a TypeError");
    assert!(err.is_instance_of::<js_sys::TypeError>());
}
