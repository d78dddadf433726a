//! Email links under other settings: confirm on GET, the same browser
//! only, a public origin.

use crate::email_link::{email_verification, landing, outcome, sent};
use crate::helpers::{dev, spawn_app, spawn_app_with, token_of};
use gatehouse_server::config::{Config, EmailLinkSettings, LinkConfirm};

#[tokio::test]
async fn auto_confirm_verifies_on_get() {
    let config = Config {
        email_link: EmailLinkSettings { confirm: LinkConfirm::Auto, ..Config::default().email_link },
        ..Config::default()
    };
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    // A HEAD (some link checkers send one) is not an opening.
    let path = &link[link.find("/v1/verify").unwrap()..];
    assert_eq!(browser.send(reqwest::Method::HEAD, path, None).await.status, 200);
    let (status, gh_status, session) = outcome(&browser.open_link(&link).await);
    assert_eq!((status, gh_status.as_str()), (303, "verified"));
    assert_eq!(browser.get_sign_up(&id).await.response()["created_session_id"].as_str(), session.as_deref());
    assert_eq!(outcome(&browser.open_link(&link).await).1, "failed");
}

#[tokio::test]
async fn require_same_client_refuses_another_browser() {
    let app = spawn_app_with(Config::from_toml("[email_link]\nrequire_same_client = true\n").unwrap(), dev()).await;
    let waiting = app.client();
    let (id, link) = sent(&app, &waiting, "ana@example.com").await;
    let token = token_of(&link);
    let other = app.client();
    other.get_client().await.response();
    assert_eq!(outcome(&other.open_link(&link).await), (303, String::from("client_mismatch"), None));
    assert_eq!(outcome(&other.confirm_link(&token).await), (303, String::from("client_mismatch"), None));
    let cookieless = app.client();
    assert_eq!(outcome(&cookieless.confirm_link(&token).await).1, "client_mismatch");
    assert_eq!(email_verification(&waiting.get_sign_up(&id).await)["status"], "unverified");
    // The browser that started the sign-up may.
    assert_eq!(waiting.open_link(&link).await.status, 200);
    assert_eq!(outcome(&waiting.confirm_link(&token).await).1, "verified");
}

#[tokio::test]
async fn links_point_at_the_public_origin() {
    // Link poisoning: a sign-up started with a forged Host and forwarded
    // headers still gets links on the real public origin (dev mode: the
    // listen address), and the forged origin is no redirect target.
    let app = spawn_app().await;
    let attacker = app.client();
    for (name, value) in
        [("host", "evil.example"), ("x-forwarded-proto", "https"), ("x-forwarded-host", "evil.example")]
    {
        attacker.extra.lock().unwrap().push((name.into(), value.into()));
    }
    let id = attacker.start_sign_up("ana@example.com").await;
    for forged in ["https://evil.example/landing", &landing(&app).replace("http://", "https://")] {
        let refused = attacker.prepare_link(&id, forged).await;
        refused.assert_error(422, "form_param_format_invalid");
        assert_eq!(refused.param(), Some("redirect_url"));
    }
    attacker.prepare_link(&id, &landing(&app)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    assert!(link.starts_with(&format!("http://{}/v1/verify?token=", app.addr)), "{link}");

    // A configured public origin wins over whatever Host a request carries.
    let config = Config::from_toml("public_origin = \"https://auth.example.com\"\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare_link(&id, &landing(&app)).await.assert_error(422, "form_param_format_invalid");
    browser.prepare_link(&id, "https://auth.example.com/verify").await.response();
    let link = app.last_link_to("ana@example.com").await;
    assert!(link.starts_with("https://auth.example.com/v1/verify?token="), "{link}");
}
