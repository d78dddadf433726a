//! Helpers: unique addresses, the dev outbox (codes and links), the
//! confirmation of a link, the server's request log, and waits.

use gatehouse::rust_api::wire::{OutboxMessage, SignUpParams};
use gatehouse::rust_api::{Gatehouse, TokenMode};
use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The server under test.
pub const API: &str = match option_env!("GATEHOUSE_TEST_API") {
    Some(api) => api,
    None => "http://127.0.0.1:8080",
};

/// A password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// An address no other test uses.
pub fn unique_email() -> String {
    let random = (js_sys::Math::random() * 1e9) as u64;
    format!("rust.{}{random}@example.com", js_sys::Date::now() as u64)
}

/// The test page's origin (an allowed origin of the server).
pub fn page_origin() -> String {
    web_sys::window().expect("window").location().origin().expect("origin")
}

async fn outbox() -> Vec<OutboxMessage> {
    let response = Request::get(&format!("{API}/v1/dev/outbox")).send().await.expect("outbox");
    response.json().await.expect("outbox json")
}

/// The `code` or `link` of the newest message to `to`, waiting up to 5 s.
async fn sent_to(to: &str, link: bool) -> String {
    for _ in 0..100 {
        let newest = outbox().await.into_iter().rfind(|m| m.to == to);
        if let Some(found) = newest.and_then(|m| if link { m.link } else { m.code }) {
            return found;
        }
        TimeoutFuture::new(50).await;
    }
    panic!("nothing was sent to {to}")
}

pub async fn code_sent_to(to: &str) -> String {
    sent_to(to, false).await
}

pub async fn link_sent_to(to: &str) -> String {
    sent_to(to, true).await
}

/// POSTs the confirmation of an email link, as its page's button does.
pub async fn confirm_link(link: &str) {
    let (path, query) = link.split_once('?').expect("a query");
    let token = query.split('&').find_map(|p| p.strip_prefix("token=")).expect("token");
    let response = Request::post(path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .redirect(web_sys::RequestRedirect::Manual)
        .body(format!("token={token}"))
        .unwrap()
        .send()
        .await
        .expect("confirm");
    // The 303 back to the redirect_url, unreadable to a page.
    assert_eq!(response.type_(), web_sys::ResponseType::Opaqueredirect);
}

#[derive(Deserialize)]
struct Recent {
    recent: Vec<String>,
}

/// The requests the server saw on paths starting with `prefix`
/// (`GET /v1/dev/requests`): `"METHOD /path"`, oldest first.
pub async fn requests_to(prefix: &str) -> Vec<String> {
    let url = format!("{API}/v1/dev/requests?path_prefix={prefix}");
    let response = Request::get(&url).send().await.expect("requests");
    response.json::<Recent>().await.expect("requests json").recent
}

/// Signs `email` up completely with an emailed code, on its own bearer
/// client.
pub async fn signed_up(email: &str) {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let sign_up = gh.sign_up();
    let params =
        SignUpParams { email_address: Some(email.into()), password: Some(PASSWORD.into()), ..Default::default() };
    sign_up.create(&params).await.expect("create");
    sign_up.prepare_email_address_verification().await.expect("prepare");
    let done = sign_up.attempt_email_address_verification(&code_sent_to(email).await).await.expect("attempt");
    assert!(done.created_user_id.is_some());
}

/// Signs `email` up from an invitation (no code is sent, so a sign-in may
/// send one at once), on its own bearer client.
pub async fn signed_up_by_invitation(email: &str) {
    #[derive(Deserialize)]
    struct Invitation {
        url: String,
    }
    let invite = Request::post(&format!("{API}/v1/dev/invitations")).json(&serde_json::json!({ "email": email }));
    let invitation: Invitation = invite.unwrap().send().await.expect("invite").json().await.expect("invitation");
    let ticket = invitation.url.split(['?', '&']).find_map(|p| p.strip_prefix("__gh_ticket=")).expect("ticket");
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let params = SignUpParams { ticket: Some(ticket.into()), password: Some(PASSWORD.into()), ..Default::default() };
    let done = gh.sign_up().create(&params).await.expect("create");
    assert!(done.created_user_id.is_some());
}

/// Polls `future` for `ms` milliseconds without taking it: it must still
/// be pending then.
pub async fn run_for<F: Future + Unpin>(future: &mut F, ms: u32) {
    struct For<'a, F> {
        future: &'a mut F,
        timer: TimeoutFuture,
        ms: u32,
    }
    impl<F: Future + Unpin> Future for For<'_, F> {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if Pin::new(&mut *self.future).poll(cx).is_ready() {
                panic!("it ended within {} ms", self.ms);
            }
            Pin::new(&mut self.timer).poll(cx)
        }
    }
    For { future, timer: TimeoutFuture::new(ms), ms }.await
}
