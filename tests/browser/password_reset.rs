//! Password reset in the SDK: `signIn.create({ identifier, strategy:
//! "reset_password_email_code" })`, the code, `needs_new_password`, then
//! `signIn.resetPassword()`, which signs in and ends the other sessions
//! (unless `signOutOfOtherSessions: false`). The link variant:
//! `signIn.createMagicLinkFlow()` waits (polling the sign-in) until the
//! link is confirmed, then `resetPassword()` as after a code. In bearer
//! mode the link's page hands its token to the app instead ("Continue in
//! the app": `#gh_reset_token=` on the `redirectUrl`), and the app sends
//! it back: `attemptFirstFactor({ strategy: "reset_password_email_link",
//! token })`.

use crate::support::*;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const NEW_PASSWORD: &str = "a brand new passphrase";
const RESET: &str = "reset_password_email_code";
const RESET_LINK: &str = "reset_password_email_link";

/// A browser signed in with the password; answers its `Gatehouse`.
async fn signed_in_elsewhere(email: &str) -> JsValue {
    let gh = load("bearer").await;
    let params = obj(&[("identifier", s(email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    assert_eq!(text(&gh, "session.status").as_deref(), Some("active"));
    gh
}

/// A new browser whose sign-in proved a reset code for `email`.
async fn code_proven(email: &str) -> JsValue {
    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");
    call(&sign_in, "create", obj(&[("identifier", s(email)), ("strategy", s(RESET))])).await.expect("create");
    let code = code_sent_to(email).await;
    call(&sign_in, "attemptFirstFactor", obj(&[("strategy", s(RESET)), ("code", s(&code))])).await.expect("attempt");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_new_password"));
    gh
}

#[wasm_bindgen_test]
async fn a_reset_code_and_a_new_password_sign_in_and_end_the_other_sessions() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let laptop = signed_in_elsewhere(&email).await;

    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");
    call(&sign_in, "create", obj(&[("identifier", s(&email)), ("strategy", s(RESET))])).await.expect("create");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    assert_eq!(js_sys::Array::from(&get(&sign_in, "supportedFirstFactors")).length(), 2);
    assert_eq!(text(&sign_in, "supportedFirstFactors.0.strategy").as_deref(), Some(RESET));
    assert_eq!(text(&sign_in, "supportedFirstFactors.1.strategy").as_deref(), Some(RESET_LINK));
    assert_eq!(text(&sign_in, "firstFactorVerification.strategy").as_deref(), Some(RESET));
    assert_eq!(text(&sign_in, "firstFactorVerification.nextAction").as_deref(), Some("needs_attempt"));
    // Not before the code.
    let early = rejected(call(&sign_in, "resetPassword", obj(&[("password", s(NEW_PASSWORD))])).await);
    assert_eq!((error_code(&early), status(&early)), (String::from("sign_in_status_invalid"), 409.0));

    let code = code_sent_to(&email).await;
    call(&sign_in, "attemptFirstFactor", obj(&[("strategy", s(RESET)), ("code", s(&code))])).await.expect("attempt");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_new_password"));
    assert!(get(&sign_in, "createdSessionId").is_null() && get(&gh, "session").is_null());

    // The password rules are the server's, named on their param; a flag
    // that is not a boolean is refused before any request.
    let short = rejected(call(&sign_in, "resetPassword", obj(&[("password", s("short"))])).await);
    assert_eq!(error_code(&short), "form_password_length_too_short");
    assert_eq!(param_name(&short).as_deref(), Some("password"));
    let before = fetch_count();
    let flag = obj(&[("password", s(NEW_PASSWORD)), ("signOutOfOtherSessions", s("yes"))]);
    let bad = rejected(call(&sign_in, "resetPassword", flag).await);
    assert_eq!(error_code(&bad), "form_param_format_invalid");
    assert_eq!(fetch_count(), before, "no request was made");

    let done = call(&sign_in, "resetPassword", obj(&[("password", s(NEW_PASSWORD))])).await.expect("resetPassword");
    assert!(js_sys::Object::is(&done, &sign_in), "resolves to gh.signIn itself");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    let session = text(&sign_in, "createdSessionId").expect("createdSessionId");
    assert_eq!(text(&gh, "session.id"), Some(session));
    // The laptop's session was revoked: no token for it any more.
    let gone = rejected(call(&get(&laptop, "session"), "getToken", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&gone), "session_not_found");
    // The new password signs in; the old one does not.
    let other = get(&load("bearer").await, "signIn");
    let old = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    assert_eq!(error_code(&rejected(call(&other, "create", old).await)), "form_password_incorrect");
    let new = obj(&[("identifier", s(&email)), ("password", s(NEW_PASSWORD))]);
    call(&other, "create", new).await.expect("the new password");
}

#[wasm_bindgen_test]
async fn other_sessions_stay_when_asked_and_an_unknown_address_looks_the_same() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let laptop = signed_in_elsewhere(&email).await;
    let gh = code_proven(&email).await;
    let keep = obj(&[("password", s(NEW_PASSWORD)), ("signOutOfOtherSessions", JsValue::FALSE)]);
    call(&get(&gh, "signIn"), "resetPassword", keep).await.expect("resetPassword");
    let jwt = call(&get(&laptop, "session"), "getToken", JsValue::UNDEFINED).await.expect("still signed in");
    assert!(jwt.as_string().is_some_and(|j| j.split('.').count() == 3));

    // An address without an account: the same sign-in, and no email.
    let nobody = unique_email();
    let sign_in = get(&load("bearer").await, "signIn");
    call(&sign_in, "create", obj(&[("identifier", s(&nobody)), ("strategy", s(RESET))])).await.expect("create");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    assert_eq!(text(&sign_in, "supportedFirstFactors.0.safeIdentifier"), Some(nobody.clone()));
    assert_eq!(text(&sign_in, "firstFactorVerification.nextAction").as_deref(), Some("needs_attempt"));
    let code = obj(&[("strategy", s(RESET)), ("code", s("123456"))]);
    assert_eq!(error_code(&rejected(call(&sign_in, "attemptFirstFactor", code).await)), "form_code_incorrect");
    assert!(!anything_sent_to(&nobody).await, "nothing was sent");
}

fn method(target: &JsValue, name: &str) -> Function {
    Reflect::get(target, &s(name)).unwrap().dyn_into().expect(name)
}

/// A user's sign-in, loaded in `token_mode`, that asked for a reset link
/// back to `{API}/welcome` (sent): `(gh, gh.signIn, the address)`.
async fn reset_link_asked(token_mode: &str) -> (JsValue, JsValue, String) {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = load(token_mode).await;
    let sign_in = get(&gh, "signIn");
    let redirect = format!("{API}/welcome");
    let create = obj(&[("identifier", s(&email)), ("strategy", s(RESET_LINK)), ("redirectUrl", s(&redirect))]);
    call(&sign_in, "create", create).await.expect("create");
    (gh, sign_in, email)
}

/// A sign-in whose link was proven: its new password completes it (the
/// session is `gh.session`), and signs in afterwards.
async fn the_new_password_completes(gh: &JsValue, sign_in: &JsValue, email: &str) {
    assert_eq!(text(sign_in, "status").as_deref(), Some("needs_new_password"));
    assert_eq!(text(sign_in, "firstFactorVerification.status").as_deref(), Some("verified"));
    call(sign_in, "resetPassword", obj(&[("password", s(NEW_PASSWORD))])).await.expect("resetPassword");
    assert_eq!(text(sign_in, "status").as_deref(), Some("complete"));
    assert_eq!(text(gh, "session.id"), text(sign_in, "createdSessionId"));
    let new = obj(&[("identifier", s(email)), ("password", s(NEW_PASSWORD))]);
    call(&get(&load("bearer").await, "signIn"), "create", new).await.expect("the new password");
}

/// `signIn.createMagicLinkFlow().startMagicLinkFlow(params)`: the flow and its wait.
fn start_link_flow(sign_in: &JsValue, params: JsValue) -> (JsValue, JsFuture) {
    let flow = method(sign_in, "createMagicLinkFlow").call0(sign_in).expect("flow");
    let wait: Promise =
        method(&flow, "startMagicLinkFlow").call1(&flow, &params).expect("start").dyn_into().expect("a promise");
    (flow, JsFuture::from(wait))
}

#[wasm_bindgen_test]
async fn a_reset_link_flow_waits_for_the_confirmation_then_takes_the_new_password() {
    // A reset link is confirmed only in the browser that asked for it: the
    // page's POST must carry this client's cookie, so cookie mode. The
    // create sends the link; the flow, started without `redirectUrl`, only waits.
    let (gh, sign_in, email) = reset_link_asked("cookie").await;
    let redirect = format!("{API}/welcome");
    assert_eq!(text(&sign_in, "firstFactorVerification.strategy").as_deref(), Some(RESET_LINK));
    assert_eq!(text(&sign_in, "firstFactorVerification.nextAction").as_deref(), Some(""));
    let (_flow, wait) = start_link_flow(&sign_in, JsValue::UNDEFINED);
    let link = link_sent_to(&email).await;
    assert!(link.contains("/v1/verify?token="), "{link}");
    confirm_link_here(&link).await;
    let resolved = wait.await.expect("the flow resolves");
    assert!(resolved == sign_in, "it resolves with gh.signIn itself");
    the_new_password_completes(&gh, &sign_in, &email).await;

    // From a code reset: `startMagicLinkFlow({ redirectUrl })` prepares the
    // link (an address without an account: the same, and no email), and
    // `cancelMagicLinkFlow()` rejects the wait at once.
    let nobody = unique_email();
    let sign_in = get(&load("bearer").await, "signIn");
    call(&sign_in, "create", obj(&[("identifier", s(&nobody)), ("strategy", s(RESET))])).await.expect("create");
    let (flow, wait) = start_link_flow(&sign_in, obj(&[("redirectUrl", s(&redirect))]));
    until("the link prepared", async || {
        text(&sign_in, "firstFactorVerification.strategy").as_deref() == Some(RESET_LINK)
    })
    .await;
    method(&flow, "cancelMagicLinkFlow").call0(&flow).expect("cancel");
    assert_eq!(error_code(&rejected(wait.await)), "magic_link_flow_cancelled");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    assert!(!anything_sent_to(&nobody).await, "nothing was sent");
    // A redirect_url off the allowed origins is refused by the server, with its param.
    let (_flow, wait) = start_link_flow(&sign_in, obj(&[("redirectUrl", s("https://evil.example/"))]));
    let bad = rejected(wait.await);
    assert_eq!(error_code(&bad), "form_param_format_invalid");
    assert_eq!(param_name(&bad).as_deref(), Some("redirect_url"));
}

#[wasm_bindgen_test]
async fn bearer_mode_a_reset_link_handed_to_the_app_completes_the_reset() {
    let (gh, sign_in, email) = reset_link_asked("bearer").await;
    let link = link_sent_to(&email).await;
    // The mail app's browser presses "Continue in the app": a 303 to the
    // redirectUrl with the token in its fragment; nothing changes yet.
    hand_over(&link).await;
    call(&sign_in, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    // The app's page: the token from the fragment, as the README says.
    let token = link.split_once("token=").expect("a token").1;
    set_page_hash(&format!("gh_reset_token={token}"));
    let read = read_reset_token().expect("the token in the fragment");
    assert_eq!(read, token);
    assert_eq!(read_reset_token(), None, "the fragment is cleared");

    // A malformed token is refused before any request; a wrong one by the server.
    let before = fetch_count();
    let short = obj(&[("strategy", s(RESET_LINK)), ("token", s("short"))]);
    let bad = rejected(call(&sign_in, "attemptFirstFactor", short).await);
    assert_eq!(
        (error_code(&bad), param_name(&bad).as_deref()),
        (String::from("form_param_format_invalid"), Some("token"))
    );
    assert_eq!(fetch_count(), before, "no request was made");
    let guess = obj(&[("strategy", s(RESET_LINK)), ("token", s(&"A".repeat(43)))]);
    let wrong = rejected(call(&sign_in, "attemptFirstFactor", guess).await);
    assert_eq!(
        (error_code(&wrong), param_name(&wrong).as_deref()),
        (String::from("form_code_incorrect"), Some("token"))
    );

    let right = obj(&[("strategy", s(RESET_LINK)), ("token", s(&read))]);
    let proven = call(&sign_in, "attemptFirstFactor", right).await.expect("attemptFirstFactor");
    assert!(js_sys::Object::is(&proven, &sign_in), "resolves to gh.signIn itself");
    the_new_password_completes(&gh, &sign_in, &email).await;
}
