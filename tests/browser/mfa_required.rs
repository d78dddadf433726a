//! `[mfa] required` in the SDK, on a server of its own
//! (`GATEHOUSE_TEST_API_MFA`: `scripts/test-browser.sh` starts it with the
//! setting on, and no email verification at sign-up): a sign-up lands on a
//! `pending` session with `tasks: ["setup_mfa"]` whose `getToken()` is
//! `null` (without a request); `gh.user.createTOTP()` and `verifyTOTP()`
//! make it active, and `getToken()` a JWT. The code is computed from the
//! `otpauth://` URI (totp-rs), at the browser's clock (the server's: one
//! machine).

use crate::support::*;
use totp_rs::TOTP;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// The server that requires a second factor; no default: run through scripts/test-browser.sh.
const MFA: &str = match option_env!("GATEHOUSE_TEST_API_MFA") {
    Some(api) => api,
    None => "GATEHOUSE_TEST_API_MFA is not set: run scripts/test-browser.sh",
};

#[wasm_bindgen_test]
async fn a_sign_up_is_pending_without_a_token_until_totp_is_verified() {
    let gh = load_at(MFA, "bearer").await.expect("Gatehouse.load");
    let sign_up = get(&gh, "signUp");
    let params = obj(&[("emailAddress", s(&unique_email())), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));
    let session = get(&gh, "session");
    assert_eq!(text(&session, "id"), text(&sign_up, "createdSessionId"));
    assert_eq!(text(&session, "status").as_deref(), Some("pending"));
    assert_eq!(strings(&session, "tasks"), ["setup_mfa"]);
    assert_eq!(get(&session, "totpEnabled").as_bool(), Some(false));

    // No token, and no request for one.
    let before = fetch_count();
    let token = call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken");
    assert!(token.is_null(), "{token:?}");
    assert_eq!(fetch_count(), before, "no request was made");
    // The user's other session routes are refused while pending.
    let user = get(&gh, "user");
    let refused = rejected(call(&user, "sessions", JsValue::UNDEFINED).await);
    assert_eq!((error_code(&refused), status(&refused)), (String::from("session_pending"), 403.0));

    let created = call(&user, "createTOTP", JsValue::UNDEFINED).await.expect("createTOTP");
    let totp = TOTP::from_url(text(&created, "uri").expect("uri")).expect("an otpauth URI");
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let on = call(&user, "verifyTOTP", obj(&[("code", s(&totp.generate(now)))])).await.expect("verifyTOTP");
    assert_eq!(strings(&on, "backupCodes").len(), 10);

    // The same session object, now active: a JWT for it.
    assert!(js_sys::Object::is(&get(&gh, "session"), &session));
    assert_eq!(text(&session, "status").as_deref(), Some("active"));
    assert!(strings(&session, "tasks").is_empty());
    assert_eq!(get(&session, "totpEnabled").as_bool(), Some(true));
    assert_eq!(get(&gh, "user.totpEnabled").as_bool(), Some(true));
    let jwt = call(&session, "getToken", JsValue::UNDEFINED).await.expect("getToken").as_string().expect("a JWT");
    assert!(jwt.starts_with("ey") && jwt.split('.').count() == 3, "{jwt}");

    // And the factor cannot be turned off here.
    let backup = strings(&on, "backupCodes").remove(0);
    let kept = rejected(call(&user, "disableTOTP", obj(&[("code", s(&backup))])).await);
    assert_eq!((error_code(&kept), status(&kept)), (String::from("mfa_required"), 403.0));
}
