//! The bad-input corpus (issue 8, item 11): every case in
//! `tests/bad-input/*.json` sent to one running app.
//!
//! A file holds an array of cases:
//!
//! ```json
//! { "name": "...", "method": "POST", "path": "/v1/client/sign_ups",
//!   "as": "attacker", "headers": { "content-type": "text/plain" },
//!   "body": "{\"email_address\": ", "status": 400, "code": "request_body_invalid",
//!   "param": "email_address" }
//! ```
//!
//! - `as` (default `attacker`): whose credentials go with it: `attacker`
//!   (a browser's cookie), `attacker_bearer` (the same token as a bearer),
//!   `admin` (the admin key), or `none`. A header of the case wins.
//! - `body` is sent as given (`content-type: application/json` unless the
//!   case says otherwise); absent, no body.
//! - `path`, header values and `body` may hold `{{name}}`: a fixture below
//!   (`sign_up`, `foreign_sign_up`, `foreign_session`, `victim_token`, ...),
//!   or `{{repeat:N:text}}` for `text` N times.
//! - Expected: `status` (always 4xx) and `code` (`errors[0].code`, in the
//!   full error shape), with `param` when given; an HTML page instead of
//!   JSON (`/v1/verify`) gives its `<title>` as `page`.
//!
//! After every case the server must still answer `/healthz`. Every
//! mismatch is collected, so one run lists them all.

use crate::helpers::{Answer, SECRET_KEY, TestApp, TestClient, admin_options, spawn_app_with};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use gatehouse_server::config::Config;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    method: String,
    path: String,
    #[serde(default, rename = "as")]
    sender: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    status: u16,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// The corpus files, in name order.
fn corpus() -> Vec<(String, Vec<Case>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let cases = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.file_name().unwrap().to_string_lossy().into_owned(), cases)
        })
        .collect()
}

/// What the cases refer to: two browsers' sign-ups, sign-ins and sessions,
/// tokens of every kind, and admin resources.
struct Fixtures {
    values: BTreeMap<&'static str, String>,
    attacker: TestClient,
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let mut values = BTreeMap::new();
    let admin = app.admin();
    let user = sync_cersei(app, json!({ "password": PASSWORD })).await;
    values.insert("user", user["id"].as_str().unwrap().to_owned());
    // The victim: a browser with a complete sign-in, a session and its JWT.
    let victim = app.client();
    let signed_in = sign_in_with_password(&victim, CERSEI).await;
    let session = signed_in["created_session_id"].as_str().unwrap().to_owned();
    let jwt = victim.session_token(&session).await.response()["jwt"].as_str().unwrap().to_owned();
    values.insert("foreign_sign_in", signed_in["id"].as_str().unwrap().to_owned());
    values.insert("foreign_session", session);
    values.insert("expired_jwt", jwt);
    // An invitation whose ticket expires, then time passes (the JWT expires too).
    let expiring =
        admin.post("/v1/admin/invitations", json!({ "email": "late@example.com", "expires_in_days": 1 })).await;
    values.insert("expired_ticket", crate::helpers::ticket_of(expiring.body["url"].as_str().unwrap()));
    app.advance(2 * 24 * 60 * 60);
    let revoked = admin.post("/v1/admin/invitations", json!({ "email": "gone@example.com" })).await;
    let revoked_id = revoked.body["id"].as_str().unwrap();
    admin.post(&format!("/v1/admin/invitations/{revoked_id}/revoke"), json!({})).await;
    values.insert("revoked_ticket", crate::helpers::ticket_of(revoked.body["url"].as_str().unwrap()));
    let invitation = admin.post("/v1/admin/invitations", json!({ "email": "arya@example.com" })).await;
    values.insert("invitation", invitation.body["id"].as_str().unwrap().to_owned());
    values.insert("ticket", crate::helpers::ticket_of(invitation.body["url"].as_str().unwrap()));
    // The victim's sign-up, with an email link sent and then spent.
    let victim_sign_up = victim.start_sign_up("victim@example.com").await;
    victim.prepare_link(&victim_sign_up, &format!("{}/landing", app.base)).await.response();
    let link = app.last_link_to("victim@example.com").await;
    values.insert("spent_link_token", crate::helpers::token_of(&link));
    victim.confirm_link(&crate::helpers::token_of(&link)).await;
    values.insert("foreign_sign_up", victim_sign_up);
    values.insert("victim_token", victim.token().unwrap());
    // The attacker: a browser with its own sign-up (a code sent) and sign-in.
    let attacker = app.client();
    let sign_up = attacker.start_sign_up("attacker@example.com").await;
    attacker.prepare(&sign_up, "email_code").await.response();
    values.insert("sign_up", sign_up);
    let sign_in = attacker.sign_in(json!({ "identifier": "cersei.lannister" })).await;
    values.insert("sign_in", sign_in.response()["id"].as_str().unwrap().to_owned());
    values.insert("secret_key", String::from(SECRET_KEY));
    Fixtures { values, attacker }
}

impl Fixtures {
    /// `text` with every `{{...}}` filled in.
    fn fill(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let end = rest[start..].find("}}").map(|e| start + e).unwrap_or_else(|| panic!("unclosed {{ in {text}"));
            out.push_str(&rest[..start]);
            let name = &rest[start + 2..end];
            if let Some(spec) = name.strip_prefix("repeat:") {
                let (count, unit) = spec.split_once(':').expect("{{repeat:N:text}}");
                out.push_str(&unit.repeat(count.parse().expect("a count")));
            } else {
                out.push_str(self.values.get(name).unwrap_or_else(|| panic!("no fixture {name}")));
            }
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// Sends one case; answers what came back.
async fn send(app: &TestApp, fixtures: &Fixtures, case: &Case) -> Answer {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("a method");
    let mut request = http.request(method, format!("{}{}", app.base, fixtures.fill(&case.path)));
    let token = fixtures.attacker.token().unwrap();
    let mut headers: BTreeMap<String, String> = match case.sender.as_deref().unwrap_or("attacker") {
        "attacker" => BTreeMap::from([(String::from("cookie"), format!("__gh_client={token}"))]),
        "attacker_bearer" => BTreeMap::from([(String::from("authorization"), format!("Bearer {token}"))]),
        "admin" => BTreeMap::from([(String::from("authorization"), format!("Bearer {SECRET_KEY}"))]),
        "none" => BTreeMap::new(),
        other => panic!("{}: unknown sender {other}", case.name),
    };
    if case.body.is_some() {
        headers.insert(String::from("content-type"), String::from("application/json"));
    }
    for (name, value) in &case.headers {
        headers.insert(name.to_lowercase(), fixtures.fill(value));
    }
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &case.body {
        request = request.body(fixtures.fill(body));
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{}: no answer: {e}", case.name));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

/// What is wrong with `answer` for `case`, if anything.
fn judge(case: &Case, answer: &Answer) -> Option<String> {
    let got = format!("got {} {}", answer.status, answer.text.chars().take(300).collect::<String>());
    if !(400..500).contains(&case.status) {
        return Some(format!("expects {}, not a 4xx", case.status));
    }
    if answer.status != case.status {
        return Some(format!("expected {}: {got}", case.status));
    }
    match (&case.code, &case.page) {
        (Some(code), None) => {
            let error = &answer.body["errors"][0];
            let shaped = answer.header("content-type").as_deref() == Some("application/json")
                && error["message"].as_str().is_some_and(|m| !m.is_empty())
                && error["long_message"].as_str().is_some_and(|m| !m.is_empty())
                && error["meta"].is_object()
                && answer.body["trace_id"].as_str().is_some_and(|id| !id.is_empty())
                && answer.body["trace_id"].as_str() == answer.header("x-request-id").as_deref();
            if error["code"].as_str() != Some(code.as_str()) || !shaped {
                return Some(format!("expected code {code} in the error shape: {got}"));
            }
            if case.param.is_some() && error["meta"]["param_name"].as_str() != case.param.as_deref() {
                return Some(format!("expected param {:?}: {got}", case.param));
            }
        }
        (None, Some(page)) => {
            let html = answer.header("content-type").is_some_and(|t| t.starts_with("text/html"));
            if !html || !answer.text.contains(&format!("<title>{page}</title>")) {
                return Some(format!("expected the page {page:?}: {got}"));
            }
        }
        _ => return Some(String::from("a case needs a code or a page, not both")),
    }
    None
}

#[tokio::test]
async fn every_bad_input_is_a_coded_4xx_and_the_server_stays_up() {
    let mut config = Config::default();
    // Hundreds of requests from one address: the rate limit is not under test here.
    config.rate_limit.per_second = 10_000;
    config.rate_limit.burst = 10_000;
    let app = spawn_app_with(config, admin_options()).await;
    let fixtures = fixtures(&app).await;
    let health = TestClient::new(&app.base, crate::helpers::Mode::Bearer);
    let (mut total, mut failures) = (0, Vec::new());
    for (file, cases) in corpus() {
        for case in &cases {
            total += 1;
            let answer = send(&app, &fixtures, case).await;
            if let Some(problem) = judge(case, &answer) {
                failures.push(format!("{file}: {}: {problem}", case.name));
            }
            let alive = health.get("/healthz").await;
            assert_eq!((alive.status, &alive.body), (200, &json!({ "status": "ok" })), "after {file}: {}", case.name);
        }
    }
    assert!(total >= 150, "the corpus has {total} cases");
    // The cases on the attacker's own sign-up met it open: none ended it early.
    let own = fixtures.attacker.get_sign_up(&fixtures.values["sign_up"]).await;
    assert_eq!(own.response()["status"], "missing_requirements");
    assert!(failures.is_empty(), "{} of {total} cases failed:\n{}", failures.len(), failures.join("\n"));
}
