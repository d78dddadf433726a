//! Create, update and the field lists; completing with email and phone codes.

use crate::support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn environment_and_client_are_camel_cased() {
    let gh = load("bearer").await;
    let env = get(&gh, "environment");
    assert_eq!(get(&env, "signUp.attributes.emailAddress.required").as_bool(), Some(true));
    assert_eq!(strings(&env, "signUp.attributes.emailAddress.verificationStrategies"), ["email_code", "email_link"]);
    assert_eq!(get(&env, "signUp.attributes.phoneNumber.verifyAtSignUp").as_bool(), Some(true));
    assert_eq!(get(&env, "signUp.attributes.username.enabled").as_bool(), Some(false));
    assert_eq!(get(&env, "passwordSettings.minLength").as_f64(), Some(8.0));
    assert_eq!(text(&env, "signUp.mode").as_deref(), Some("public"));
    assert_eq!(get(&env, "devMode").as_bool(), Some(true));

    let client = get(&gh, "client");
    assert!(text(&client, "id").unwrap().starts_with("client_"));
    assert!(get(&client, "signUpId").is_null());
    assert_eq!(get(&client, "sessions.length").as_f64(), Some(0.0));

    // Before create: a SignUp with nothing in it.
    let sign_up = get(&gh, "signUp");
    assert!(get(&sign_up, "status").is_null() && get(&sign_up, "id").is_null());
    assert!(strings(&sign_up, "missingFields").is_empty());
    assert!(get(&sign_up, "verifications.emailAddress").is_null());
    assert_eq!(get(&sign_up, "hasPassword").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn create_and_update_fill_the_lists_in_place() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let metadata = obj(&[("plan_id", s("pro")), ("nested_key", obj(&[("inner_key", JsValue::from(1))]))]);
    let params = obj(&[("emailAddress", s(&email.to_uppercase())), ("unsafeMetadata", metadata)]);

    let created = call(&sign_up, "create", params).await.expect("create");
    assert!(js_sys::Object::is(&created, &sign_up), "create resolves to gh.signUp itself");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("missing_requirements"));
    let id = text(&sign_up, "id").unwrap();
    assert!(id.starts_with("su_"));
    assert_eq!(text(&sign_up, "emailAddress"), Some(email.clone()), "normalized to lower case");
    assert_eq!(strings(&sign_up, "requiredFields"), ["email_address", "password"]);
    assert_eq!(strings(&sign_up, "optionalFields"), ["phone_number", "first_name", "last_name"]);
    assert_eq!(strings(&sign_up, "missingFields"), ["password"]);
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["email_address"]);
    assert_eq!(text(&sign_up, "verifications.emailAddress.status").as_deref(), Some("unverified"));
    assert_eq!(text(&sign_up, "verifications.emailAddress.nextAction").as_deref(), Some("needs_prepare"));
    assert_eq!(strings(&sign_up, "verifications.emailAddress.supportedStrategies"), ["email_code", "email_link"]);
    assert!(get(&sign_up, "verifications.phoneNumber").is_null());
    assert_eq!(text(&sign_up, "unsafeMetadata.plan_id").as_deref(), Some("pro"), "metadata keys untouched");
    assert_eq!(get(&sign_up, "unsafeMetadata.nested_key.inner_key").as_f64(), Some(1.0));
    assert!(get(&sign_up, "abandonAt").as_f64().unwrap() > js_sys::Date::now());
    assert_eq!(get(&sign_up, "hasPassword").as_bool(), Some(false));
    assert_eq!(text(&gh, "client.signUpId"), Some(id.clone()), "gh.client follows the answer");

    let params = obj(&[("password", s("correct horse battery")), ("firstName", s("  Ana ")), ("lastName", s("Lima"))]);
    let updated = call(&sign_up, "update", params).await.expect("update");
    assert!(js_sys::Object::is(&updated, &sign_up));
    assert_eq!(text(&sign_up, "id"), Some(id.clone()));
    assert_eq!(get(&sign_up, "hasPassword").as_bool(), Some(true));
    assert_eq!(text(&sign_up, "firstName").as_deref(), Some("Ana"));
    assert_eq!(text(&sign_up, "lastName").as_deref(), Some("Lima"));
    assert!(strings(&sign_up, "missingFields").is_empty());
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["email_address"]);
    assert_eq!(text(&sign_up, "status").as_deref(), Some("missing_requirements"));

    let reloaded = call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert!(js_sys::Object::is(&reloaded, &sign_up));
    assert_eq!(text(&sign_up, "id"), Some(id));
    assert_eq!(text(&sign_up, "firstName").as_deref(), Some("Ana"));
}

#[wasm_bindgen_test]
async fn an_email_code_completes_the_sign_up() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let params = obj(&[("emailAddress", s(&email)), ("password", s("correct horse battery"))]);
    call(&sign_up, "create", params).await.expect("create");
    assert!(strings(&sign_up, "missingFields").is_empty());
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["email_address"]);

    call(&sign_up, "prepareEmailAddressVerification", obj(&[("strategy", s("email_code"))])).await.expect("prepare");
    assert_eq!(text(&sign_up, "verifications.emailAddress.strategy").as_deref(), Some("email_code"));
    assert_eq!(text(&sign_up, "verifications.emailAddress.nextAction").as_deref(), Some("needs_attempt"));
    assert!(get(&sign_up, "verifications.emailAddress.expireAt").as_f64().unwrap() > js_sys::Date::now());

    let code = code_sent_to(&email).await;
    assert_eq!(code.len(), 6);
    call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s(&code))])).await.expect("attempt");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));
    assert!(strings(&sign_up, "unverifiedFields").is_empty());
    assert_eq!(text(&sign_up, "verifications.emailAddress.status").as_deref(), Some("verified"));
    let user = text(&sign_up, "createdUserId").expect("createdUserId");
    let session = text(&sign_up, "createdSessionId").expect("createdSessionId");
    assert!(user.starts_with("user_") && session.starts_with("sess_"));
    assert_eq!(text(&gh, "client.lastActiveSessionId"), Some(session.clone()));
    assert_eq!(text(&gh, "client.sessions.0.id"), Some(session));
    assert_eq!(text(&gh, "client.sessions.0.userId"), Some(user));
    assert_eq!(text(&gh, "client.sessions.0.status").as_deref(), Some("active"));
}

#[wasm_bindgen_test]
async fn the_locale_given_to_create_writes_the_code_in_german() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let params = obj(&[("emailAddress", s(&email)), ("password", s("correct horse battery")), ("locale", s("de-AT"))]);
    call(&sign_up, "create", params).await.expect("create");
    let code = email_code_for(&sign_up, &email).await;
    let subject = sent_to(&email, "subject").await.expect("a message");
    assert_eq!(subject, format!("{code} ist Ihr Bestätigungscode für Gatehouse"));
    let body = sent_to(&email, "body").await.expect("a message");
    assert!(body.contains(&format!("lautet {code}.")), "{body}");

    // A malformed tag is refused by the server, with the param named.
    let other = obj(&[("emailAddress", s(&unique_email())), ("locale", s("de_AT"))]);
    let err = rejected(call(&sign_up, "create", other).await);
    assert_eq!(error_code(&err), "form_param_format_invalid");
    assert_eq!(param_name(&err).as_deref(), Some("locale"));
}

#[wasm_bindgen_test]
async fn phone_and_email_codes_complete_the_sign_up() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let (typed_phone, phone) = unique_phone();
    let params =
        obj(&[("emailAddress", s(&email)), ("password", s("correct horse battery")), ("phoneNumber", s(&typed_phone))]);
    call(&sign_up, "create", params).await.expect("create");
    assert_eq!(text(&sign_up, "phoneNumber"), Some(phone.clone()), "sent as E.164");
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["email_address", "phone_number"]);

    // The generic methods, for the email...
    call(&sign_up, "prepareVerification", obj(&[("strategy", s("email_code"))])).await.expect("prepare email");
    let code = code_sent_to(&email).await;
    let attempt = obj(&[("strategy", s("email_code")), ("code", s(&code))]);
    call(&sign_up, "attemptVerification", attempt).await.expect("attempt email");
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["phone_number"]);
    assert_eq!(text(&sign_up, "status").as_deref(), Some("missing_requirements"));

    // ...and the phone shortcuts, with the strategy left to its default.
    call(&sign_up, "preparePhoneNumberVerification", JsValue::UNDEFINED).await.expect("prepare phone");
    assert_eq!(text(&sign_up, "verifications.phoneNumber.strategy").as_deref(), Some("phone_code"));
    let code = code_sent_to(&phone).await;
    call(&sign_up, "attemptPhoneNumberVerification", obj(&[("code", s(&code))])).await.expect("attempt phone");
    assert_eq!(text(&sign_up, "verifications.phoneNumber.status").as_deref(), Some("verified"));
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));
    assert!(text(&sign_up, "createdSessionId").is_some());
}
