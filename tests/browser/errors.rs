//! Every failure is a GatehouseError: from the server, from the network,
//! from an answer the SDK cannot read, and from the checks run before sending.

use crate::support::*;
use gatehouse::Gatehouse;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

async fn started_sign_up(extra: &[(&str, JsValue)]) -> (JsValue, JsValue, String) {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let mut params = vec![("emailAddress", s(&email)), ("password", s("correct horse battery"))];
    params.extend(extra.iter().cloned());
    call(&sign_up, "create", obj(&params)).await.expect("create");
    (gh, sign_up, email)
}

#[wasm_bindgen_test]
async fn a_server_error_keeps_its_code_param_and_status() {
    let (_gh, sign_up, _) = started_sign_up(&[]).await;
    // No phone number was supplied: the server refuses to send a code.
    let err = rejected(call(&sign_up, "preparePhoneNumberVerification", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&err), "form_param_missing");
    assert_eq!(param_name(&err).as_deref(), Some("phone_number"));
    assert_eq!(status(&err), 422.0);
    assert!(get(&err, "retryAfter").is_null());
    assert_eq!(text(&err, "errors.0.meta.paramName").as_deref(), Some("phone_number"));
    // The server's request id (its `x-request-id`), a UUID, for support.
    let trace_id = text(&err, "traceId").expect("a server error has a traceId");
    assert_eq!((trace_id.len(), trace_id.matches('-').count()), (36, 4), "{trace_id}");
    // The sign-up is left as it was.
    assert_eq!(strings(&sign_up, "unverifiedFields"), ["email_address"]);
}

#[wasm_bindgen_test]
async fn a_wrong_code_is_form_code_incorrect_and_counts() {
    let (_gh, sign_up, email) = started_sign_up(&[]).await;
    let code = email_code_for(&sign_up, &email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = rejected(call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s(wrong))])).await);
    assert_eq!(error_code(&err), "form_code_incorrect");
    assert_eq!(status(&err), 422.0);
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert_eq!(get(&sign_up, "verifications.emailAddress.attempts").as_f64(), Some(1.0));
    assert_eq!(text(&sign_up, "status").as_deref(), Some("missing_requirements"));
}

#[wasm_bindgen_test]
async fn a_resend_too_early_carries_retry_after() {
    let (_gh, sign_up, _) = started_sign_up(&[]).await;
    call(&sign_up, "prepareEmailAddressVerification", JsValue::UNDEFINED).await.expect("prepare");
    let err = rejected(call(&sign_up, "prepareEmailAddressVerification", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&err), "verification_code_too_many_requests");
    assert_eq!(status(&err), 429.0);
    let retry_after = get(&err, "retryAfter").as_f64().expect("retryAfter");
    assert!(retry_after > 0.0 && retry_after <= 30.0, "retryAfter {retry_after}");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    let err = rejected(load_at(CLOSED, "cookie").await);
    assert_eq!(error_code(&err), "network_error");
    assert_eq!(status(&err), 0.0);
    assert!(get(&err, "meta.paramName").is_undefined());
    assert!(get(&err, "traceId").is_null(), "no answer, no trace id");
}

#[wasm_bindgen_test]
async fn an_answer_of_another_shape_is_response_invalid() {
    // Real answers that are not the API's: `/healthz` is JSON of another
    // shape, a static file is not JSON at all. The fragment makes the SDK's
    // `/v1/...` path part of it, so every request gets that answer.
    let cases = [
        (format!("{API}/healthz#"), 200.0),
        (format!("{API}/not-json.txt#"), 200.0),
        (String::from("data:application/json,{\"object\":\"environment\",\"sign_up\":null}#"), 200.0),
    ];
    for (frontend_api, http_status) in cases {
        let err = rejected(load_at(&frontend_api, "bearer").await);
        assert_eq!(error_code(&err), "response_invalid", "{frontend_api}");
        assert_eq!(status(&err), http_status, "{frontend_api}");
    }
    // A well-formed error answer stays the server's own error.
    let err = rejected(load_at(&format!("{API}/no-such-file#"), "bearer").await);
    assert_eq!(error_code(&err), "resource_not_found");
    assert_eq!(status(&err), 404.0);
}

#[wasm_bindgen_test]
async fn invalid_params_are_refused_before_any_request() {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let before = fetch_count();
    let cases: [(JsValue, &str, &str); 6] = [
        (
            obj(&[("emailAddress", s("not-an-email")), ("password", s("correct horse"))]),
            "form_param_format_invalid",
            "email_address",
        ),
        (obj(&[("emailAddress", JsValue::from(42))]), "form_param_format_invalid", "email_address"),
        (obj(&[("password", s("short"))]), "form_password_length_too_short", "password"),
        (obj(&[("phoneNumber", s("0800 123"))]), "form_param_format_invalid", "phone_number"),
        (obj(&[("username", s("ana"))]), "form_param_unknown", "username"),
        (obj(&[("emailAdress", s("ana@example.com"))]), "form_param_unknown", "emailAdress"),
    ];
    for (params, code, param) in cases {
        let err = rejected(call(&sign_up, "create", params).await);
        assert_eq!(error_code(&err), code);
        assert_eq!(param_name(&err).as_deref(), Some(param));
        assert_eq!(status(&err), 0.0);
    }
    let err = rejected(call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s("12a"))])).await);
    assert_eq!((error_code(&err), param_name(&err)), ("form_param_format_invalid".into(), Some("code".into())));
    let err = rejected(call(&sign_up, "prepareVerification", obj(&[("strategy", s("carrier_pigeon"))])).await);
    assert_eq!(error_code(&err), "verification_strategy_invalid");
    let err = rejected(call(&sign_up, "reload", JsValue::UNDEFINED).await);
    assert_eq!(error_code(&err), "sign_up_not_found");

    let err = rejected(JsFuture::from(Gatehouse::load(obj(&[]))).await);
    assert_eq!((error_code(&err), param_name(&err)), ("form_param_missing".into(), Some("frontendApi".into())));
    let err = rejected(load_at(API, "jwt").await);
    assert_eq!((error_code(&err), param_name(&err)), ("form_param_format_invalid".into(), Some("tokenMode".into())));

    assert_eq!(fetch_count(), before, "no request was made");
    assert!(get(&sign_up, "id").is_null());
    assert!(get(&gh, "client.signUpId").is_null());
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function rewrite_retry_after(value) {
  const real = globalThis.__gatehouseRealFetch ??= globalThis.fetch;
  // The server's own 429, its `Retry-After` replaced as a proxy in front
  // of it might: the rest of the answer (status, JSON body) is the server's.
  globalThis.fetch = async (input, init) => {
    const answer = await real(input, init);
    if (answer.status !== 429) return answer;
    const headers = new Headers(answer.headers);
    headers.set("Retry-After", value);
    return new Response(await answer.text(), { status: 429, headers });
  };
}
export function restore_fetch() {
  if (globalThis.__gatehouseRealFetch) globalThis.fetch = globalThis.__gatehouseRealFetch;
}
"#)]
extern "C" {
    fn rewrite_retry_after(value: &str);
    fn restore_fetch();
}

/// `retryAfter` reads `Retry-After` as whole seconds (as Rust's
/// `trim().parse::<u32>()` does), and anything else as `null`: the error
/// stays the server's own.
#[wasm_bindgen_test]
async fn retry_after_is_whole_seconds_or_null() {
    let (_gh, sign_up, _) = started_sign_up(&[]).await;
    call(&sign_up, "prepareEmailAddressVerification", JsValue::UNDEFINED).await.expect("prepare");
    let cases: [(&str, Option<f64>); 12] = [
        ("7", Some(7.0)),
        (" 12\t", Some(12.0)),
        ("+3", Some(3.0)),
        ("0", Some(0.0)),
        ("4294967295", Some(4_294_967_295.0)),
        ("4294967296", None),
        ("1.5", None),
        ("-1", None),
        ("abc", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("3 4", None),
    ];
    for (header, expected) in cases {
        rewrite_retry_after(header);
        let answer = call(&sign_up, "prepareEmailAddressVerification", JsValue::UNDEFINED).await;
        restore_fetch();
        let err = rejected(answer);
        assert_eq!(error_code(&err), "verification_code_too_many_requests", "{header:?}");
        assert_eq!(status(&err), 429.0, "{header:?}");
        assert_eq!(get(&err, "retryAfter").as_f64(), expected, "{header:?}");
    }
}
