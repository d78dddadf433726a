//! The email link: confirmed through the server, the waiting future
//! resolves; dropped, it cancels and sends nothing more.

use crate::support::*;
use gatehouse::rust_api::wire::SignUpParams;
use gatehouse::rust_api::{Gatehouse, SignUpStatus, TokenMode, VerificationStatus};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

fn params(email: &str) -> SignUpParams {
    SignUpParams { email_address: Some(email.into()), password: Some(PASSWORD.into()), ..Default::default() }
}

#[wasm_bindgen_test]
async fn a_confirmed_link_resolves_the_wait() {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let sign_up = gh.sign_up();
    let email = unique_email();
    sign_up.create(&params(&email)).await.expect("create");

    let flow = sign_up.magic_link(&format!("{}/done", page_origin()));
    let confirm = email.clone();
    wasm_bindgen_futures::spawn_local(async move { confirm_link(&link_sent_to(&confirm).await).await });
    let done = flow.await.expect("the wait");

    let email_verification = done.verifications.email_address.expect("email verification");
    assert_eq!(email_verification.status, VerificationStatus::Verified);
    assert_eq!(done.status, SignUpStatus::Complete);
    assert_eq!(gh.session().map(|s| s.id().to_owned()), done.created_session_id);
}

#[wasm_bindgen_test]
async fn dropping_the_flow_cancels_it() {
    let gh = Gatehouse::load(API, TokenMode::Bearer).await.expect("load");
    let sign_up = gh.sign_up();
    let email = unique_email();
    let id = sign_up.create(&params(&email)).await.expect("create").id;
    let path = format!("/v1/client/sign_ups/{id}");

    let mut flow = sign_up.magic_link(&format!("{}/done", page_origin()));
    run_for(&mut flow, 1500).await;
    let link = link_sent_to(&email).await;
    assert!(requests_to(&path).await.contains(&format!("GET {path}")), "the flow was reading the sign-up");
    drop(flow);
    let seen = requests_to(&path).await.len();

    confirm_link(&link).await;
    TimeoutFuture::new(2500).await;
    assert_eq!(requests_to(&path).await.len(), seen, "a cancelled flow sent a request");
    // It saw nothing of the confirmation; a reload does.
    let current = sign_up.current().expect("current");
    assert_eq!(current.verifications.email_address.map(|v| v.status), Some(VerificationStatus::Unverified));
    assert_eq!(sign_up.reload().await.expect("reload").status, SignUpStatus::Complete);
}
