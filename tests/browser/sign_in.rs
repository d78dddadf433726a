//! Sign-in: with a password in one request, its errors, and the email code
//! first factor; `gh.session` follows the client.

use crate::support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn a_password_sign_in_completes_in_one_request() {
    let email = unique_email();
    let user = signed_up(&email).await;

    // Another browser: its own client, no session yet.
    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");
    assert!(get(&sign_in, "status").is_null() && get(&sign_in, "id").is_null());
    assert!(strings(&sign_in, "supportedFirstFactors").is_empty());
    assert!(get(&sign_in, "firstFactorVerification").is_null());
    assert!(get(&gh, "session").is_null());

    let before = fetch_count();
    let params = obj(&[("identifier", s(&format!("  {}  ", email.to_uppercase()))), ("password", s(PASSWORD))]);
    let done = call(&sign_in, "create", params).await.expect("create");
    assert_eq!(fetch_count(), before + 1, "one request");
    assert!(js_sys::Object::is(&done, &sign_in), "create resolves to gh.signIn itself");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    assert!(text(&sign_in, "id").unwrap().starts_with("sin_"));
    assert_eq!(text(&sign_in, "identifier"), Some(email.clone()), "normalized");
    assert_eq!(text(&sign_in, "userId"), Some(user.clone()));
    let session = text(&sign_in, "createdSessionId").expect("createdSessionId");
    assert!(session.starts_with("sess_"));
    assert_eq!(text(&sign_in, "firstFactorVerification.status").as_deref(), Some("verified"));
    assert_eq!(text(&sign_in, "firstFactorVerification.strategy").as_deref(), Some("password"));
    assert!(get(&sign_in, "abandonAt").as_f64().unwrap() > js_sys::Date::now());

    // The client and the current session follow the answer.
    assert_eq!(text(&gh, "client.signInId"), text(&sign_in, "id"));
    assert_eq!(text(&gh, "client.lastActiveSessionId"), Some(session.clone()));
    assert_eq!(text(&gh, "session.id"), Some(session));
    assert_eq!(text(&gh, "session.userId"), Some(user));
    assert_eq!(text(&gh, "session.status").as_deref(), Some("active"));
    assert!(get(&gh, "session.expireAt").as_f64().unwrap() > js_sys::Date::now());

    let reloaded = call(&sign_in, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert!(js_sys::Object::is(&reloaded, &sign_in));
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
}

#[wasm_bindgen_test]
async fn wrong_passwords_and_unknown_identifiers_name_their_field() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");

    let params = obj(&[("identifier", s(&email)), ("password", s("not the password"))]);
    let err = rejected(call(&sign_in, "create", params).await);
    assert_eq!(error_code(&err), "form_password_incorrect");
    assert_eq!(param_name(&err).as_deref(), Some("password"));
    assert_eq!(status(&err), 422.0);

    let params = obj(&[("identifier", s(&unique_email())), ("password", s(PASSWORD))]);
    let err = rejected(call(&sign_in, "create", params).await);
    assert_eq!(error_code(&err), "form_identifier_not_found");
    assert_eq!(param_name(&err).as_deref(), Some("identifier"));
    assert_eq!(status(&err), 422.0);

    // Nothing was created; the sign-in object is untouched.
    assert!(get(&sign_in, "id").is_null());
    assert!(get(&gh, "session").is_null());
}

#[wasm_bindgen_test]
async fn what_a_person_typed_wrong_is_refused_before_any_request() {
    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");
    let before = fetch_count();
    let cases: [(&str, JsValue, &str, &str); 6] = [
        (
            "create",
            obj(&[("identifier", s("ana@")), ("password", s(PASSWORD))]),
            "form_param_format_invalid",
            "identifier",
        ),
        ("create", obj(&[("identifier", s("   ")), ("password", s(PASSWORD))]), "form_param_missing", "identifier"),
        ("create", obj(&[("password", s(PASSWORD))]), "form_param_missing", "identifier"),
        ("create", obj(&[("identifier", s("ana")), ("password", s(""))]), "form_param_missing", "password"),
        ("create", obj(&[("identifier", JsValue::from(7))]), "form_param_format_invalid", "identifier"),
        (
            "attemptFirstFactor",
            obj(&[("strategy", s("email_code")), ("code", s("12ab56"))]),
            "form_param_format_invalid",
            "code",
        ),
    ];
    for (method, params, code, param) in cases {
        let err = rejected(call(&sign_in, method, params).await);
        assert_eq!(error_code(&err), code, "{method} {param}");
        assert_eq!(param_name(&err).as_deref(), Some(param));
        assert_eq!(status(&err), 0.0);
    }
    // No sign-in yet: nothing to reload or prepare.
    for method in ["reload", "prepareFirstFactor"] {
        let params = obj(&[("strategy", s("email_code"))]);
        let err = rejected(call(&sign_in, method, params).await);
        assert_eq!(error_code(&err), "sign_in_not_found", "{method}");
    }
    assert_eq!(fetch_count(), before, "no request was made");
}

#[wasm_bindgen_test]
async fn an_email_code_is_a_first_factor() {
    let email = unique_email();
    // Signed up without a code: the resend limit would hold this one back.
    let user = signed_up_by_invitation(&email).await;
    let gh = load("bearer").await;
    let sign_in = get(&gh, "signIn");

    let params = obj(&[("identifier", s(&email)), ("strategy", s("email_code"))]);
    call(&sign_in, "create", params).await.expect("create");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    assert!(get(&sign_in, "userId").is_null(), "not before the proof");
    assert!(get(&sign_in, "createdSessionId").is_null());
    let factors = get(&sign_in, "supportedFirstFactors");
    assert_eq!(text(&factors, "0.strategy").as_deref(), Some("password"));
    assert!(get(&factors, "0.safeIdentifier").is_undefined());
    assert_eq!(text(&factors, "1.strategy").as_deref(), Some("email_code"));
    assert_eq!(text(&factors, "1.safeIdentifier"), Some(email.clone()));
    assert_eq!(text(&factors, "2.strategy").as_deref(), Some("reset_password_email_code"));
    assert_eq!(text(&sign_in, "firstFactorVerification.nextAction").as_deref(), Some("needs_prepare"));

    call(&sign_in, "prepareFirstFactor", obj(&[("strategy", s("email_code"))])).await.expect("prepare");
    assert_eq!(text(&sign_in, "firstFactorVerification.nextAction").as_deref(), Some("needs_attempt"));
    assert!(get(&sign_in, "firstFactorVerification.expireAt").as_f64().unwrap() > js_sys::Date::now());
    let code = code_sent_to(&email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err =
        rejected(call(&sign_in, "attemptFirstFactor", obj(&[("strategy", s("email_code")), ("code", s(wrong))])).await);
    assert_eq!(error_code(&err), "form_code_incorrect");
    assert_eq!(
        get(&sign_in, "firstFactorVerification.attempts").as_f64(),
        Some(0.0),
        "a rejected call leaves the object as it was"
    );

    call(&sign_in, "attemptFirstFactor", obj(&[("strategy", s("email_code")), ("code", s(&code))]))
        .await
        .expect("attempt");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    assert_eq!(text(&sign_in, "userId"), Some(user));
    let session = text(&sign_in, "createdSessionId").expect("createdSessionId");
    assert_eq!(text(&gh, "session.id"), Some(session));
}

#[wasm_bindgen_test]
async fn identifier_first_then_the_password() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let gh = load("cookie").await;
    let sign_in = get(&gh, "signIn");
    call(&sign_in, "create", obj(&[("identifier", s(&email))])).await.expect("create");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("needs_first_factor"));
    assert!(get(&sign_in, "firstFactorVerification").is_null());
    let params = obj(&[("strategy", s("password")), ("password", s(PASSWORD))]);
    call(&sign_in, "attemptFirstFactor", params).await.expect("attempt");
    assert_eq!(text(&sign_in, "status").as_deref(), Some("complete"));
    assert_eq!(text(&gh, "session.id"), text(&sign_in, "createdSessionId"));
    // Leave the shared cookie client signed out for the other tests.
    call(&gh, "signOut", JsValue::UNDEFINED).await.expect("signOut");
}
