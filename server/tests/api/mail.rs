//! Mail as people get it: real SMTP from the server's lettre sender to the
//! listener of `crate::smtp`, each mail parsed (mail-parser): a
//! `multipart/alternative` with a plain-text and an HTML part, in the
//! sign-up's language, with what people typed escaped in the HTML, and a
//! link read out of the HTML that completes the flow.

use crate::helpers::{SECRET_KEY, TestApp, spawn_app_with};
use crate::smtp::{Mail, smtp_config, smtp_listener};
use gatehouse_server::Options;
use gatehouse_server::config::Secret;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const PASSWORD: &str = "correct horse battery";

/// One received mail, parsed: its subject, plain text and HTML.
#[derive(Debug)]
struct Parsed {
    subject: String,
    text: String,
    html: String,
}

/// The next mail the listener gets, parsed; it must be
/// `multipart/alternative` of exactly a `text/plain` and a `text/html` part.
async fn next_mail(inbox: &mut UnboundedReceiver<Mail>) -> Parsed {
    let mail = tokio::time::timeout(Duration::from_secs(10), inbox.recv()).await.unwrap().unwrap();
    let message = MessageParser::default().parse(mail.data.as_bytes()).expect("a MIME message");
    let root = message.content_type().expect("a Content-Type");
    assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("alternative")), "{}", mail.data);
    let types: Vec<(String, String)> = message.parts[1..]
        .iter()
        .map(|part| {
            let ct = part.content_type().expect("each part has a Content-Type");
            (ct.ctype().to_owned(), ct.subtype().unwrap_or_default().to_owned())
        })
        .collect();
    let expected = [("text", "plain"), ("text", "html")].map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(types, expected, "{}", mail.data);
    Parsed {
        subject: message.subject().expect("a subject").to_owned(),
        text: message.body_text(0).expect("a text part").into_owned(),
        html: message.body_html(0).expect("an HTML part").into_owned(),
    }
}

/// The `href` of the first link in `html` that contains `needle`, its
/// entities decoded as a browser would.
fn href(html: &str, needle: &str) -> String {
    html.split("href=\"")
        .skip(1)
        .map(|rest| html_escape::decode_html_entities(&rest[..rest.find('"').unwrap()]).into_owned())
        .find(|link| link.contains(needle))
        .unwrap_or_else(|| panic!("no link with {needle} in {html}"))
}

/// The six digits the HTML part shows in large type.
fn code_in(html: &str) -> String {
    let digits: Vec<&str> = html.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 6).collect();
    assert!(!digits.is_empty(), "no code in {html}");
    digits[0].to_owned()
}

async fn app_with_mail(config_extra: &str) -> (TestApp, UnboundedReceiver<Mail>) {
    let (port, inbox) = smtp_listener().await;
    let config = smtp_config(port, config_extra);
    (spawn_app_with(config, Options::default()).await, inbox)
}

#[tokio::test]
async fn a_code_arrives_as_text_and_html_with_the_instance_brand_and_completes_the_sign_up() {
    let (app, mut inbox) = app_with_mail("[mail]\nproduct_name = \"Acme <Cloud>\"\nbrand_color = \"#0a7d32\"\n").await;
    let browser = app.client();
    let id = browser
        .created(json!({ "email_address": "ana@example.com", "first_name": "<script>alert(1)</script>", "password": PASSWORD }))
        .await;
    browser.prepare(&id, "email_code").await.response();
    let mail = next_mail(&mut inbox).await;
    let code = code_in(&mail.html);
    assert_eq!(mail.subject, format!("{code} is your Acme <Cloud> verification code"));
    assert!(mail.text.contains(&format!("Your Acme <Cloud> verification code is {code}.")), "{}", mail.text);
    assert!(mail.text.contains("Hi <script>alert(1)</script>,"), "{}", mail.text);
    // What people typed (and the instance's name) is escaped in the HTML.
    assert!(!mail.html.contains("<script>") && !mail.html.contains("<Cloud>"), "{}", mail.html);
    assert!(mail.html.contains("Hi &lt;script&gt;alert(1)&lt;&#x2f;script&gt;,"), "{}", mail.html);
    assert!(mail.html.contains("background:#0a7d32"), "{}", mail.html);
    assert!(mail.html.contains("<html lang=\"en\">"));
    assert_eq!(browser.attempt(&id, "email_code", &code).await.response()["status"], "complete");

    // Signing in with a code (once the address's resend interval has
    // passed): in the language the browser asks for, with the account's
    // first name, escaped.
    app.advance(31);
    let later = app.client();
    later.extra.lock().unwrap().push(("accept-language".into(), "de-CH, en;q=0.5".into()));
    let sign_in = later.sign_in(json!({ "identifier": "ana@example.com", "strategy": "email_code" })).await;
    let sign_in_id = sign_in.response()["id"].as_str().unwrap().to_owned();
    later.prepare_first_factor(&sign_in_id, "email_code").await.response();
    let mail = next_mail(&mut inbox).await;
    let code = code_in(&mail.html);
    assert!(mail.text.contains("Wenn Sie sich nicht anmelden wollten"), "{}", mail.text);
    assert!(mail.html.contains("Hallo &lt;script&gt;"), "{}", mail.html);
    let done = later.attempt_first_factor(&sign_in_id, json!({ "strategy": "email_code", "code": code })).await;
    assert_eq!(done.response()["status"], "complete");
}

#[tokio::test]
async fn the_sign_ups_locale_or_accept_language_picks_german() {
    let (app, mut inbox) = app_with_mail("").await;
    let browser = app.client();
    let id =
        browser.created(json!({ "email_address": "ana@example.com", "locale": "de-AT", "password": PASSWORD })).await;
    browser.prepare(&id, "email_code").await.response();
    let mail = next_mail(&mut inbox).await;
    let code = code_in(&mail.html);
    assert_eq!(mail.subject, format!("{code} ist Ihr Bestätigungscode für Gatehouse"));
    assert!(mail.text.contains("Er ist 10 Minuten gültig."), "{}", mail.text);
    assert!(mail.html.contains("<html lang=\"de\">") && mail.html.contains("Bestätigungscode"), "{}", mail.html);
    assert_eq!(browser.attempt(&id, "email_code", &code).await.response()["status"], "complete");

    // No locale: the Accept-Language of the request that sends it.
    let other = app.client();
    other.extra.lock().unwrap().push(("accept-language".into(), "fr-CH, de;q=0.9, en;q=0.8".into()));
    let id = other.created(json!({ "email_address": "bea@example.com" })).await;
    other.prepare(&id, "email_code").await.response();
    assert!(next_mail(&mut inbox).await.subject.contains("Bestätigungscode"));

    // The sign-up's locale wins over the header; a language without
    // templates is English.
    let third = app.client();
    third.extra.lock().unwrap().push(("accept-language".into(), "de".into()));
    let id = third.created(json!({ "email_address": "cyd@example.com", "locale": "fr" })).await;
    third.prepare(&id, "email_code").await.response();
    assert!(next_mail(&mut inbox).await.subject.ends_with("is your Gatehouse verification code"));
}

#[tokio::test]
async fn a_malformed_locale_is_refused_and_only_a_create_takes_one() {
    let (app, _inbox) = app_with_mail("").await;
    let browser = app.client();
    for bad in ["de_AT", "<script>", "", "x", "en-US-waytoolongsubtag"] {
        let answer = browser.create_sign_up(json!({ "email_address": "ana@example.com", "locale": bad })).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some("locale"), "{bad}");
    }
    let answer = browser.create_sign_up(json!({ "email_address": "ana@example.com", "locale": 7 })).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let id = browser.created(json!({ "email_address": "ana@example.com", "locale": "DE" })).await;
    let answer = browser.update_sign_up(&id, json!({ "locale": "en" })).await;
    answer.assert_error(422, "form_param_unknown");
    assert_eq!(answer.param(), Some("locale"));
}

#[tokio::test]
async fn the_link_read_out_of_the_html_completes_the_sign_up() {
    let (app, mut inbox) = app_with_mail("").await;
    let browser = app.client();
    let id = browser.created(json!({ "email_address": "ana@example.com", "locale": "de", "password": PASSWORD })).await;
    let landing = format!("{}/verify", app.base);
    browser.prepare_link(&id, &landing).await.response();
    let mail = next_mail(&mut inbox).await;
    assert_eq!(mail.subject, "Bestätigen Sie Ihre E-Mail-Adresse für Gatehouse");
    let link = href(&mail.html, "/v1/verify?token=");
    assert!(mail.text.contains(&link), "the text part has the same link: {}", mail.text);
    // The person opens it, and confirms on the page.
    assert_eq!(browser.open_link(&link).await.status, 200);
    browser.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    let token = link.split("token=").nth(1).unwrap();
    let answer = browser.confirm_link(token).await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    assert_eq!(browser.get_sign_up(&id).await.response()["status"], "complete");
}

#[tokio::test]
async fn an_invitation_arrives_in_the_admins_locale_and_its_link_starts_a_sign_up() {
    let (port, mut inbox) = smtp_listener().await;
    // The admin API outside dev mode (dev mode refuses real mail).
    let options = Options { secret_key: Some(Secret::new(String::from(SECRET_KEY))), ..Options::default() };
    let app = spawn_app_with(smtp_config(port, ""), options).await;
    let admin = app.admin();
    let created = admin
        .post("/v1/admin/invitations", json!({ "email": "ana@example.com", "locale": "de", "redirect_url": format!("{}/join?plan=pro", app.base) }))
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let mail = next_mail(&mut inbox).await;
    assert_eq!(mail.subject, "Sie sind zu Gatehouse eingeladen");
    let link = href(&mail.html, "__gh_ticket=");
    assert_eq!(Some(link.as_str()), created.body["url"].as_str(), "the HTML's link is the invitation's");
    let ticket = link.split("__gh_ticket=").nth(1).unwrap();
    let browser = app.client();
    let sign_up = browser.create_sign_up(json!({ "ticket": ticket, "password": "correct horse battery" })).await;
    assert_eq!(sign_up.response()["email_address"], "ana@example.com");

    // A refresh sends a new link in the invitation's language.
    let bea = admin
        .post("/v1/admin/invitations", json!({ "email": "bea@example.com", "locale": "de", "notify": false }))
        .await;
    assert_eq!(bea.status, 200, "{}", bea.text);
    let id = bea.body["id"].as_str().unwrap().to_owned();
    let refreshed = admin.post(&format!("/v1/admin/invitations/{id}/refresh"), json!({})).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let mail = next_mail(&mut inbox).await;
    assert_eq!(mail.subject, "Sie sind zu Gatehouse eingeladen");
    assert_eq!(Some(href(&mail.html, "__gh_ticket=").as_str()), refreshed.body["url"].as_str());

    // A malformed locale is refused; none is English.
    let bad = admin.post("/v1/admin/invitations", json!({ "email": "cyd@example.com", "locale": "de_DE" })).await;
    bad.assert_error(422, "form_param_format_invalid");
    assert_eq!(bad.param(), Some("locale"));
    let plain = admin.post("/v1/admin/invitations", json!({ "email": "cyd@example.com" })).await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    assert_eq!(next_mail(&mut inbox).await.subject, "You are invited to Gatehouse");
}
