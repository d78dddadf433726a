//! The TOTP second factor in the SDK: `gh.user.createTOTP()`,
//! `verifyTOTP({ code })`, `disableTOTP({ code })`, and a sign-in that
//! stops at `needs_second_factor` (`signIn.supportedSecondFactors`) until
//! `signIn.attemptSecondFactor({ strategy, code })`. Codes are computed
//! here from the `otpauth://` URI (totp-rs), at the browser's clock, which
//! is the server's (one machine).

use crate::support::*;
use totp_rs::TOTP;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// The code `steps` 30 s steps from now.
fn code(totp: &TOTP, steps: i64) -> String {
    let seconds = (js_sys::Date::now() / 1000.0) as i64 + steps * 30;
    totp.generate(seconds as u64)
}

/// A password sign-in on a new browser; answers its `Gatehouse`.
async fn password_sign_in(email: &str) -> JsValue {
    let gh = load("bearer").await;
    let params = obj(&[("identifier", s(email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    gh
}

#[wasm_bindgen_test]
async fn enrol_then_sign_in_with_a_totp_code_and_a_backup_code_then_disable() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = password_sign_in(&email).await;
    let user = get(&gh, "user");

    let created = call(&user, "createTOTP", JsValue::UNDEFINED).await.expect("createTOTP");
    assert_eq!(get(&created, "verified").as_bool(), Some(false));
    let uri = text(&created, "uri").expect("uri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let totp = TOTP::from_url(&uri).expect("an otpauth URI");
    assert_eq!(text(&created, "secret"), Some(totp.get_secret_base32()));
    assert!(strings(&created, "backupCodes").is_empty());

    // A malformed code is refused before any request; a wrong one by the server.
    let before = fetch_count();
    let bad = rejected(call(&user, "verifyTOTP", obj(&[("code", s("12345"))])).await);
    assert_eq!(
        (error_code(&bad), param_name(&bad)),
        (String::from("form_param_format_invalid"), Some(String::from("code")))
    );
    assert_eq!(fetch_count(), before, "no request was made");
    let right = code(&totp, 0);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let refused = rejected(call(&user, "verifyTOTP", obj(&[("code", s(&wrong))])).await);
    assert_eq!((error_code(&refused), status(&refused)), (String::from("form_code_incorrect"), 422.0));

    let on = call(&user, "verifyTOTP", obj(&[("code", s(&right))])).await.expect("verifyTOTP");
    assert_eq!(get(&on, "verified").as_bool(), Some(true));
    let backup = strings(&on, "backupCodes");
    assert_eq!(backup.len(), 10);

    // Signing in now needs the second factor: no session before it.
    let other = password_sign_in(&email).await;
    let sign_in = get(&other, "signIn");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_second_factor"));
    assert_eq!(text(&sign_in, "supportedSecondFactors.0.strategy").as_deref(), Some("totp"));
    assert_eq!(text(&sign_in, "supportedSecondFactors.1.strategy").as_deref(), Some("backup_code"));
    assert!(get(&other, "session").is_null());
    // The code used to enrol is spent; the next step's (one step of drift) is not.
    let reused =
        rejected(call(&sign_in, "attemptSecondFactor", obj(&[("strategy", s("totp")), ("code", s(&right))])).await);
    assert_eq!(error_code(&reused), "form_code_incorrect");
    let next = obj(&[("strategy", s("totp")), ("code", s(&code(&totp, 1)))]);
    let done = call(&sign_in, "attemptSecondFactor", next).await.expect("attemptSecondFactor");
    assert!(js_sys::Object::is(&done, &sign_in), "resolves to gh.signIn itself");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    assert!(strings(&sign_in, "supportedSecondFactors").is_empty());
    assert_eq!(text(&other, "session.id"), text(&sign_in, "createdSessionId"));

    // A backup code signs in once.
    let third = password_sign_in(&email).await;
    let sign_in = get(&third, "signIn");
    let with_backup = || obj(&[("strategy", s("backup_code")), ("code", s(&backup[0]))]);
    call(&sign_in, "attemptSecondFactor", with_backup()).await.expect("a backup code");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    let fourth = get(&password_sign_in(&email).await, "signIn");
    let spent = rejected(call(&fourth, "attemptSecondFactor", with_backup()).await);
    assert_eq!(error_code(&spent), "form_code_incorrect");

    // Disabled with another backup code, sign-ins complete with the password alone.
    let off = call(&user, "disableTOTP", obj(&[("code", s(&backup[1]))])).await.expect("disableTOTP");
    assert_eq!(get(&off, "verified").as_bool(), Some(false));
    let plain = password_sign_in(&email).await;
    assert_eq!(text(&plain, "signIn.status").as_deref(), Some("complete"));
    let again = rejected(call(&user, "disableTOTP", obj(&[("code", s(&backup[2]))])).await);
    assert_eq!((error_code(&again), status(&again)), (String::from("totp_not_found"), 404.0));
}

#[wasm_bindgen_test]
async fn signed_out_there_is_no_user_to_ask() {
    // `gh.user` is null when signed out (a kept `User` whose session ended
    // is refused before any request: `src/totp.rs`'s unit tests).
    let gh = load("bearer").await;
    assert!(get(&gh, "user").is_null());
}

/// `gh.session.totpEnabled` and `gh.user.totpEnabled`.
fn totp_enabled(gh: &JsValue) -> (Option<bool>, Option<bool>) {
    (get(gh, "session.totpEnabled").as_bool(), get(gh, "user.totpEnabled").as_bool())
}

#[wasm_bindgen_test]
async fn the_session_says_whether_totp_is_on_after_enrolment_a_reload_and_disable() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    // Cookie mode: a new `Gatehouse.load` is the same browser, as a reloaded page is.
    let gh = load("cookie").await;
    let params = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    call(&get(&gh, "signIn"), "create", params).await.expect("sign in");
    assert_eq!(totp_enabled(&gh), (Some(false), Some(false)));
    let user = get(&gh, "user");
    let created = call(&user, "createTOTP", JsValue::UNDEFINED).await.expect("createTOTP");
    assert_eq!(totp_enabled(&gh), (Some(false), Some(false)), "a pending secret is not on");
    let totp = TOTP::from_url(text(&created, "uri").expect("uri")).expect("an otpauth URI");
    let on = call(&user, "verifyTOTP", obj(&[("code", s(&code(&totp, 0)))])).await.expect("verifyTOTP");
    assert_eq!(totp_enabled(&gh), (Some(true), Some(true)), "verifyTOTP's answer says it");

    // The page reloaded: the new instance knows from the client it loads.
    let reloaded = load("cookie").await;
    assert_eq!(text(&reloaded, "session.id"), text(&gh, "session.id"));
    assert_eq!(totp_enabled(&reloaded), (Some(true), Some(true)));

    let backup = strings(&on, "backupCodes").remove(0);
    let off = get(&reloaded, "user");
    call(&off, "disableTOTP", obj(&[("code", s(&backup))])).await.expect("disableTOTP");
    assert_eq!(totp_enabled(&reloaded), (Some(false), Some(false)), "disableTOTP's answer says it");
    assert_eq!(totp_enabled(&load("cookie").await), (Some(false), Some(false)), "and a reload");
    call(&reloaded, "signOut", JsValue::UNDEFINED).await.expect("sign out");
    assert!(get(&reloaded, "user").is_null());
}
