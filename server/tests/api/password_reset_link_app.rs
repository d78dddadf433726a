//! Password reset links of bearer-mode apps: a link asked for with the
//! client token in `Authorization` (no cookie on the server's origin) can
//! never be confirmed by a cookie, so its page hands the token to the app
//! (`POST /v1/verify/handover`: a 303 to `redirect_url` with
//! `#gh_reset_token=...`, which changes nothing), and the app sends it back
//! with its own bearer token (`attempt_first_factor`). Each defence with
//! the attack it stops: another client with the right token, a used, an
//! expired or a replaced link's token, guessing, a cookie-mode link handed
//! over, and scanners (the GET and the handover change nothing).

use crate::email_link::{landing, outcome};
use crate::helpers::{Answer, TestApp, TestClient, spawn_admin_app, token_of};
use crate::sign_in::{CERSEI, PASSWORD, sync_cersei};
use reqwest::Method;
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a new and long passphrase";
const LINK: &str = "reset_password_email_link";

/// A bearer-mode app that asked for a reset link for Cersei; answers the
/// app, the sign-in id and the link.
async fn bearer_link_sent(app: &TestApp) -> (TestClient, String, String) {
    sync_cersei(app, json!({ "password": PASSWORD })).await;
    let phone_app = app.bearer_client();
    let id = ask_for_link(app, &phone_app).await;
    (phone_app, id, app.last_link_to(CERSEI).await)
}

async fn ask_for_link(app: &TestApp, client: &TestClient) -> String {
    let created = client.sign_in(json!({ "identifier": CERSEI, "strategy": LINK, "redirect_url": landing(app) })).await;
    created.response()["id"].as_str().unwrap().to_owned()
}

/// Presses a button of the link's page (a same-origin form post) in `browser`.
async fn press(app: &TestApp, browser: &TestClient, path: &str, token: &str) -> Answer {
    {
        let mut extra = browser.extra.lock().unwrap();
        if !extra.iter().any(|(k, _)| k == "origin") {
            extra.push(("origin".into(), app.base.clone()));
        }
    }
    let form = ("application/x-www-form-urlencoded", format!("token={token}"));
    browser.send_as(Method::POST, path, Some(form)).await
}

/// "Continue in the app".
async fn hand_over(app: &TestApp, browser: &TestClient, link: &str) -> Answer {
    press(app, browser, "/v1/verify/handover", &token_of(link)).await
}

/// The token a handover's 303 gives the app, from its fragment only.
fn handed_token(answer: &Answer) -> String {
    assert_eq!(answer.status, 303, "{}", answer.text);
    let location = answer.header("location").unwrap();
    let (before, fragment) = location.split_once('#').unwrap_or_else(|| panic!("no fragment: {location}"));
    assert!(!before.contains("gh_reset_token") && !before.contains("gh_status"), "{location}");
    fragment.strip_prefix("gh_reset_token=").unwrap_or_else(|| panic!("{location}")).to_owned()
}

async fn attempt(client: &TestClient, id: &str, token: &str) -> Answer {
    client.attempt_first_factor(id, json!({ "strategy": LINK, "token": token })).await
}

async fn sign_in_now(client: &TestClient, id: &str) -> Value {
    client.get(&format!("/v1/client/sign_ins/{id}")).await.response().clone()
}

/// Whether the link is still unspent in the database.
async fn live(app: &TestApp, link: &str) -> bool {
    let hash = gatehouse_server::ids::token_hash(&token_of(link));
    let mut db = app.db().await;
    let spent: Option<i64> = sqlx::query_scalar("SELECT spent_at FROM email_links WHERE token_hash = $1")
        .bind(hash)
        .fetch_one(&mut db)
        .await
        .unwrap();
    spent.is_none()
}

#[tokio::test]
async fn a_bearer_app_gets_the_token_in_the_fragment_and_completes_the_reset() {
    let app = spawn_admin_app().await;
    let (phone_app, id, link) = bearer_link_sent(&app).await;
    let mut db = app.db().await;
    let bearer: i64 = sqlx::query_scalar("SELECT CAST(bearer AS INTEGER) FROM email_links WHERE sign_in_id = $1")
        .bind(&id)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(bearer, 1, "asked for in bearer mode: recorded on the link");

    // The mail app's browser: no cookie of this server. Opening the link
    // (a scanner, or the person), twice, changes nothing.
    let mail_browser = app.client();
    for _ in 0..2 {
        let page = mail_browser.open_link(&link).await;
        assert_eq!(page.status, 200, "{}", page.text);
        for part in [
            "<h1>Reset your password</h1>",
            "asked for in an app",
            "<dt>Asked for</dt>",
            "<form method=\"post\" action=\"/v1/verify/handover\">",
            "Continue in the app",
            "<form method=\"post\" action=\"/v1/verify/cancel\">",
            "I didn’t ask for this",
        ] {
            assert!(page.text.contains(part), "{part} missing: {}", page.text);
        }
        assert!(!page.text.contains("action=\"/v1/verify\""), "no Confirm: {}", page.text);
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains(&format!("form-action 'self' {}", app.base)), "{csp}");
        assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
    }
    assert_eq!(sign_in_now(&phone_app, &id).await["status"], "needs_first_factor");
    assert!(live(&app, &link).await);

    // "Continue in the app": a 303 to redirect_url with the token in the
    // fragment only; it changes nothing either (pressed twice).
    for _ in 0..2 {
        let handed = hand_over(&app, &mail_browser, &link).await;
        assert_eq!(handed_token(&handed), token_of(&link));
        assert!(handed.header("location").unwrap().starts_with(&format!("{}#", landing(&app))));
        assert_eq!(handed.header("referrer-policy").as_deref(), Some("no-referrer"));
        assert_eq!(handed.header("cache-control").as_deref(), Some("no-store"));
    }
    assert_eq!(sign_in_now(&phone_app, &id).await["status"], "needs_first_factor");
    assert!(live(&app, &link).await);

    // The app sends the token back with its own bearer token.
    let proven = attempt(&phone_app, &id, &token_of(&link)).await;
    let s = proven.response();
    assert_eq!(s["status"], "needs_new_password", "{}", proven.text);
    assert_eq!(s["created_session_id"], Value::Null);
    let v = &s["first_factor_verification"];
    assert_eq!((v["status"].as_str(), v["strategy"].as_str()), (Some("verified"), Some(LINK)));
    let client = phone_app.get("/v1/client").await.response().clone();
    assert_eq!(v["verified_at_client"], client["id"]);
    assert!(!live(&app, &link).await, "spent");

    let done = phone_app.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    assert_eq!(app.last_message_to(CERSEI).await["subject"], "Your password was changed");
    let new = app.client().sign_in(json!({ "identifier": CERSEI, "password": NEW_PASSWORD })).await;
    assert_eq!(new.response()["status"], "complete");
}

#[tokio::test]
async fn another_client_with_the_right_token_is_refused() {
    let app = spawn_admin_app().await;
    // The attack: someone asks for a reset of Cersei's address in their own
    // app. Cersei opens the genuine email and continues "in the app": the
    // token lands in her browser, whose app has a client of its own.
    let (attacker, id, link) = bearer_link_sent(&app).await;
    let cersei_app = app.bearer_client();
    cersei_app.get("/v1/client").await.response();
    let token = handed_token(&hand_over(&app, &app.client(), &link).await);
    attempt(&cersei_app, &id, &token).await.assert_error(404, "sign_in_not_found");
    // A cookie browser with the token, and a client with none, fare no better.
    let browser = app.client();
    browser.get("/v1/client").await.response();
    attempt(&browser, &id, &token).await.assert_error(404, "sign_in_not_found");
    attempt(&app.bearer_client(), &id, &token).await.assert_error(404, "sign_in_not_found");
    // Nothing changed, nothing was counted, and the link is still live:
    // the attacker never holds the token.
    let now = sign_in_now(&attacker, &id).await;
    assert_eq!(now["status"], "needs_first_factor");
    assert_eq!(now["first_factor_verification"]["attempts"], 0);
    assert!(live(&app, &link).await);
    // The cookie Confirm does not take it either (no cookie is the app's).
    assert_eq!(outcome(&press(&app, &browser, "/v1/verify", &token).await).1, "client_mismatch");
    assert_eq!(sign_in_now(&attacker, &id).await["status"], "needs_first_factor");
}

#[tokio::test]
async fn used_expired_and_replaced_tokens_are_refused() {
    let app = spawn_admin_app().await;
    let (phone_app, id, first) = bearer_link_sent(&app).await;
    // Replaced by a newer link: the old token is a wrong one.
    app.advance(30);
    let prepare = format!("/v1/client/sign_ins/{id}/prepare_first_factor");
    phone_app.post(&prepare, json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    let second = app.last_link_to(CERSEI).await;
    let replaced = attempt(&phone_app, &id, &token_of(&first)).await;
    replaced.assert_error(422, "form_code_incorrect");
    assert_eq!(replaced.param(), Some("token"));
    assert_eq!(outcome(&hand_over(&app, &app.client(), &first).await).1, "failed", "no handover of a replaced link");
    // Replaced by a code: no link is out.
    app.advance(30);
    phone_app.post(&prepare, json!({ "strategy": "reset_password_email_code" })).await.response();
    attempt(&phone_app, &id, &token_of(&second)).await.assert_error(422, "verification_not_sent");
    assert_eq!(sign_in_now(&phone_app, &id).await["status"], "needs_first_factor");

    // Expired: refused, and the handover sends the person back with `expired`.
    app.advance(30);
    phone_app.post(&prepare, json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    let third = app.last_link_to(CERSEI).await;
    app.advance(600);
    attempt(&phone_app, &id, &token_of(&third)).await.assert_error(422, "verification_expired");
    assert_eq!(outcome(&hand_over(&app, &app.client(), &third).await), (303, String::from("expired"), None));
    assert_eq!(sign_in_now(&phone_app, &id).await["status"], "needs_first_factor");

    // Used: once it proved the reset, neither before nor after the new
    // password does it prove anything again.
    app.advance(30);
    phone_app.post(&prepare, json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    let fourth = app.last_link_to(CERSEI).await;
    assert_eq!(attempt(&phone_app, &id, &token_of(&fourth)).await.response()["status"], "needs_new_password");
    attempt(&phone_app, &id, &token_of(&fourth)).await.assert_error(422, "verification_already_verified");
    assert_eq!(outcome(&hand_over(&app, &app.client(), &fourth).await).1, "failed");
    phone_app.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.response();
    attempt(&phone_app, &id, &token_of(&fourth)).await.assert_error(422, "verification_already_verified");
}

#[tokio::test]
async fn wrong_tokens_are_capped_like_codes() {
    let app = spawn_admin_app().await;
    let (phone_app, id, link) = bearer_link_sent(&app).await;
    // The shape of the param first, checked before anything is counted.
    let bad = |body: Value| phone_app.attempt_first_factor(&id, body);
    let missing = bad(json!({ "strategy": LINK })).await;
    missing.assert_error(422, "form_param_missing");
    assert_eq!(missing.param(), Some("token"));
    let malformed = bad(json!({ "strategy": LINK, "token": "short" })).await;
    malformed.assert_error(422, "form_param_format_invalid");
    assert_eq!(malformed.param(), Some("token"));
    let with_code = bad(json!({ "strategy": LINK, "token": token_of(&link), "code": "123456" })).await;
    with_code.assert_error(422, "form_param_unknown");
    assert_eq!(with_code.param(), Some("code"));
    let on_a_code = bad(json!({ "strategy": "reset_password_email_code", "code": "123456", "token": token_of(&link) }));
    let on_a_code = on_a_code.await;
    on_a_code.assert_error(422, "form_param_unknown");
    assert_eq!(on_a_code.param(), Some("token"));
    assert_eq!(sign_in_now(&phone_app, &id).await["first_factor_verification"]["attempts"], 0);

    // Guessing: five wrong tokens fail the link, and then the right one is refused.
    let guess = |n: usize| format!("{n:A>43}");
    for n in 1..=5 {
        let wrong = attempt(&phone_app, &id, &guess(n)).await;
        wrong.assert_error(422, "form_code_incorrect");
        assert_eq!(wrong.param(), Some("token"));
    }
    let v = sign_in_now(&phone_app, &id).await["first_factor_verification"].clone();
    assert_eq!((v["status"].as_str(), v["attempts"].as_u64()), (Some("failed"), Some(5)));
    let right = attempt(&phone_app, &id, &token_of(&link)).await;
    right.assert_error(422, "verification_failed");
    assert_eq!(right.param(), Some("token"));
    assert_eq!(outcome(&hand_over(&app, &app.client(), &link).await).1, "failed", "a failed link is not handed over");
    // And across new links: wrong tokens count per address with wrong
    // codes (10 an hour), then even the right token answers 429.
    app.advance(30);
    let prepare = format!("/v1/client/sign_ins/{id}/prepare_first_factor");
    phone_app.post(&prepare, json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    for n in 6..=10 {
        attempt(&phone_app, &id, &guess(n)).await.assert_error(422, "form_code_incorrect");
    }
    app.advance(30);
    phone_app.post(&prepare, json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    let last = app.last_link_to(CERSEI).await;
    let limited = attempt(&phone_app, &id, &token_of(&last)).await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(sign_in_now(&phone_app, &id).await["status"], "needs_first_factor");
}

#[tokio::test]
async fn a_cookie_mode_link_is_not_handed_over() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let id = ask_for_link(&app, &browser).await;
    let link = app.last_link_to(CERSEI).await;
    let page = browser.open_link(&link).await;
    assert!(page.text.contains("action=\"/v1/verify\""), "its Confirm, as before: {}", page.text);
    assert!(!page.text.contains("/v1/verify/handover") && !page.text.contains("in the app"), "{}", page.text);
    let elsewhere = app.client().open_link(&link).await;
    assert!(!elsewhere.text.contains("/v1/verify/handover"), "{}", elsewhere.text);
    // Posting its token to the handover by hand: the 400 page, no redirect.
    let handed = hand_over(&app, &app.client(), &link).await;
    assert_eq!((handed.status, handed.header("location")), (400, None), "{}", handed.text);
    // Its own client, with the right token: refused; the page confirms it.
    attempt(&browser, &id, &token_of(&link)).await.assert_error(422, "verification_strategy_invalid");
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_first_factor");
    assert_eq!(outcome(&press(&app, &browser, "/v1/verify", &token_of(&link)).await).1, "verified");
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_new_password");
}

#[tokio::test]
async fn i_didnt_ask_for_this_stops_a_bearer_link_too() {
    let app = spawn_admin_app().await;
    let (phone_app, id, link) = bearer_link_sent(&app).await;
    let stopped = press(&app, &app.client(), "/v1/verify/cancel", &token_of(&link)).await;
    assert!(stopped.text.contains("<h1>Password reset stopped</h1>"), "{}", stopped.text);
    assert_eq!(outcome(&hand_over(&app, &app.client(), &link).await).1, "failed", "a stopped reset is not handed over");
    attempt(&phone_app, &id, &token_of(&link)).await.assert_error(404, "sign_in_not_found");
}
