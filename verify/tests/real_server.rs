//! `gatehouse-verify` against a real Gatehouse server (the server crate,
//! served on a real port over a fresh SQLite file): real sign-ups, real
//! session tokens, the real JWKS, a real key rotation.

#[path = "../examples/axum_backend.rs"]
mod example;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use gatehouse_server::clock::{Clock, ManualClock};
use gatehouse_server::config::Config;
use gatehouse_server::{Options as ServerOptions, build_app};
use gatehouse_verify::keys::CacheOptions;
use gatehouse_verify::{Error, Options, Verifier};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A Gatehouse server in dev mode where an email and a password complete a sign-up.
struct Server {
    base: String,
    state: gatehouse_server::state::AppState,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A server whose clock starts `offset_ms` away from now.
    async fn start(offset_ms: i64) -> Server {
        Server::start_with(offset_ms, None).await
    }

    /// The same, with `[session] audience` set.
    async fn start_with(offset_ms: i64, audience: Option<&str>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("gatehouse.db").display());
        let mut config = Config::default();
        config.attributes.email_address.verify_at_sign_up = false;
        config.session.audience = audience.map(String::from);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let options = ServerOptions { dev: true, listen: Some(addr), ..ServerOptions::default() };
        let now = ManualClock::starting_now().now_ms();
        let clock = Arc::new(ManualClock::new(now + offset_ms));
        let app = build_app(config, &url, options, clock.clone()).await.expect("the server builds");
        let state = app.state().clone();
        tokio::spawn(app.serve(listener, std::future::pending()));
        Server { base: format!("http://{addr}"), state, clock, http: reqwest::Client::new(), _dir: dir }
    }

    /// Signs a new user up (bearer mode, as the SDK does) and answers a
    /// fresh session token with the user and session ids.
    async fn session_token(&self) -> (String, String, String) {
        let email = format!("rust-{}@example.com", self.clock.now_ms() + rand_suffix());
        let body = json!({ "email_address": email, "password": "correct horse battery" });
        let (sign_up, client) = self.call("/v1/client/sign_ups", None, body).await;
        assert_eq!(sign_up["response"]["status"], "complete", "{sign_up}");
        let user = sign_up["response"]["created_user_id"].as_str().unwrap().to_owned();
        let session = sign_up["response"]["created_session_id"].as_str().unwrap().to_owned();
        let path = format!("/v1/client/sessions/{session}/tokens");
        let (token, _) = self.call(&path, client.as_deref(), json!({})).await;
        (token["response"]["jwt"].as_str().unwrap().to_owned(), user, session)
    }

    async fn call(&self, path: &str, client: Option<&str>, body: Value) -> (Value, Option<String>) {
        let mut request =
            self.http.post(format!("{}{path}", self.base)).header("gatehouse-token-mode", "bearer").json(&body);
        if let Some(token) = client {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        let client = answer.headers().get("gatehouse-client").map(|v| v.to_str().unwrap().to_owned());
        let status = answer.status();
        let json: Value = answer.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {json}");
        (json, client)
    }

    /// How many times the JWKS was fetched (the dev tools' request log).
    async fn jwks_fetches(&self) -> u64 {
        let url = format!("{}/v1/dev/requests?path_prefix=/.well-known/jwks.json", self.base);
        let seen: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        seen["count"].as_u64().unwrap()
    }

    fn options(&self) -> Options {
        Options::new(&self.base, "gatehouse")
    }
}

fn rand_suffix() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: AtomicI64 = AtomicI64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) * 1_000_000_007
}

fn quick_cache() -> CacheOptions {
    CacheOptions { refetch_cooldown: Duration::from_millis(500), ..CacheOptions::default() }
}

fn is_invalid(result: Result<gatehouse_verify::Claims, Error>) -> bool {
    matches!(result, Err(Error::Invalid(_)))
}

/// A token with its header and claims replaced (and re-encoded), keeping its signature.
fn with_parts(jwt: &str, header: Option<Value>, claims: Option<Value>, signature: Option<&[u8]>) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let encode = |v: Value| B64.encode(v.to_string());
    let header = header.map(encode).unwrap_or_else(|| parts[0].to_owned());
    let claims = claims.map(encode).unwrap_or_else(|| parts[1].to_owned());
    let signature = signature.map(|s| B64.encode(s)).unwrap_or_else(|| parts[2].to_owned());
    format!("{header}.{claims}.{signature}")
}

fn decode_part(jwt: &str, index: usize) -> Value {
    serde_json::from_slice(&B64.decode(jwt.split('.').nth(index).unwrap()).unwrap()).unwrap()
}

#[tokio::test]
async fn a_real_session_token_verifies_and_names_its_user_and_session() {
    let server = Server::start(0).await;
    let (jwt, user, session) = server.session_token().await;
    let verifier = Verifier::new(server.options());
    let claims = verifier.verify(&jwt).await.expect("the token verifies");
    assert_eq!(
        (claims.sub.as_str(), claims.sid.as_str(), claims.iss.as_str()),
        (user.as_str(), session.as_str(), "gatehouse")
    );
    assert!(claims.exp > claims.iat);
    // A second token and a second user: the cached key set, no new fetch.
    let (other, other_user, _) = server.session_token().await;
    assert_eq!(verifier.verify(&other).await.unwrap().sub, other_user);
    assert_eq!(server.jwks_fetches().await, 1);
    // The same through the header and the JWKS URL itself.
    let by_url = Verifier::new(Options::with_jwks_url(&format!("{}/.well-known/jwks.json", server.base), "gatehouse"));
    assert_eq!(by_url.verify_authorization(Some(&format!("Bearer {jwt}"))).await.unwrap().sid, session);
    assert!(matches!(by_url.verify_authorization(None).await, Err(Error::Missing)));
    assert!(matches!(by_url.verify_authorization(Some(&format!("Basic {jwt}"))).await, Err(Error::Missing)));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_bogus_kids_do_not_hammer_the_server() {
    let server = Server::start(0).await;
    let verifier = Verifier::new(server.options().key_cache(quick_cache()));
    let (before, _, _) = server.session_token().await;
    verifier.verify(&before).await.expect("the first key verifies");
    assert_eq!(server.jwks_fetches().await, 1);

    // A flood of tokens naming keys that do not exist, just after a fetch:
    // refused, and not one more request to the server.
    let bogus: Vec<String> = (0..50)
        .map(|i| {
            let mut header = decode_part(&before, 0);
            header["kid"] = json!(format!("made-up-{i}"));
            with_parts(&before, Some(header), None, None)
        })
        .collect();
    for token in &bogus {
        assert!(is_invalid(verifier.verify(token).await), "an unknown kid is refused");
    }
    assert_eq!(server.jwks_fetches().await, 1, "no fetch within the cooldown");

    // The server rotates: a new key signs at once. Past the cooldown, the
    // first token with its kid fetches the set again; many at once share it.
    server.clock.advance(Duration::from_secs(1));
    let now = server.clock.now_ms();
    let rotated = gatehouse_server::session::keys::rotate(&server.state.store, now, 0, false).await.unwrap();
    let (after, user, _) = server.session_token().await;
    assert_eq!(decode_part(&after, 0)["kid"], json!(rotated.kid));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let all = futures_join(&verifier, &after, 10).await;
    assert!(all.iter().all(|sub| sub.as_deref() == Some(user.as_str())), "{all:?}");
    assert_eq!(server.jwks_fetches().await, 2, "one fetch for ten verifications");
    // The old key's tokens still verify: the JWKS keeps it until they expire.
    verifier.verify(&before).await.expect("the old key still verifies");

    // Bogus kids after the cooldown: at most one fetch each cooldown.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for token in &bogus {
        assert!(is_invalid(verifier.verify(token).await));
    }
    assert_eq!(server.jwks_fetches().await, 3);
}

async fn futures_join(verifier: &Verifier, token: &str, n: usize) -> Vec<Option<String>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.to_owned());
            tokio::spawn(async move { verifier.verify(&token).await.ok().map(|c| c.sub) })
        })
        .collect();
    let mut subs = Vec::new();
    for task in tasks {
        subs.push(task.await.unwrap());
    }
    subs
}

#[tokio::test]
async fn expired_not_yet_valid_foreign_and_tampered_tokens_are_refused() {
    // A server whose clock is an hour behind mints tokens that expired long ago.
    let past = Server::start(-3_600_000).await;
    let (expired, _, _) = past.session_token().await;
    let verifier = Verifier::new(past.options());
    let Err(Error::Invalid(why)) = verifier.verify(&expired).await else { panic!("an expired token verified") };
    assert!(why.contains("Expired"), "{why}");
    // An hour ahead: not valid yet (nbf).
    let future = Server::start(3_600_000).await;
    let (early, _, _) = future.session_token().await;
    assert!(is_invalid(Verifier::new(future.options()).verify(&early).await));

    let server = Server::start(0).await;
    let (jwt, _, _) = server.session_token().await;
    let good = Verifier::new(server.options());
    good.verify(&jwt).await.expect("the untouched token verifies");
    // Another issuer, or an audience the server did not set.
    assert!(is_invalid(Verifier::new(Options::new(&server.base, "someone-else")).verify(&jwt).await));
    assert!(is_invalid(Verifier::new(server.options().audience("https://app.example.com")).verify(&jwt).await));
    // A server that names an audience: its tokens verify for that audience only.
    let for_app = Server::start_with(0, Some("https://app.example.com")).await;
    let (with_aud, _, _) = for_app.session_token().await;
    Verifier::new(for_app.options().audience("https://app.example.com"))
        .verify(&with_aud)
        .await
        .expect("the audience matches");
    assert!(is_invalid(Verifier::new(for_app.options().audience("https://other.example.com")).verify(&with_aud).await));
    assert!(is_invalid(Verifier::new(for_app.options()).verify(&with_aud).await));
    // Claims changed under the same signature: another user, a later expiry.
    let mut claims = decode_part(&jwt, 1);
    claims["sub"] = json!("user_someone_else");
    assert!(is_invalid(good.verify(&with_parts(&jwt, None, Some(claims.clone()), None)).await));
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    assert!(is_invalid(good.verify(&with_parts(&jwt, None, Some(claims), None)).await));
    // A flipped signature byte, a truncated token, garbage.
    let mut signature = B64.decode(jwt.split('.').nth(2).unwrap()).unwrap();
    signature[0] ^= 1;
    assert!(is_invalid(good.verify(&with_parts(&jwt, None, None, Some(&signature))).await));
    assert!(is_invalid(good.verify(&jwt[..jwt.len() - 3]).await));
    for garbage in ["x", "a.b.c", "..", &"a".repeat(20_000)] {
        assert!(is_invalid(good.verify(garbage).await), "{garbage:.20}");
    }
    assert!(matches!(good.verify("").await, Err(Error::Missing)));
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let server = Server::start(0).await;
    let (jwt, _, _) = server.session_token().await;
    let verifier = Verifier::new(server.options());
    let jwks: Value =
        reqwest::get(format!("{}/.well-known/jwks.json", server.base)).await.unwrap().json().await.unwrap();
    verifier.verify(&jwt).await.unwrap();
    let fetches = server.jwks_fetches().await;
    let mut header = decode_part(&jwt, 0);
    let claims = decode_part(&jwt, 1);

    // `alg: none` with no signature, and with the original one.
    header["alg"] = json!("none");
    let none = with_parts(&jwt, Some(header.clone()), Some(claims.clone()), Some(b""));
    assert!(is_invalid(verifier.verify(&none).await));
    assert!(is_invalid(verifier.verify(&with_parts(&jwt, Some(header.clone()), None, None)).await));

    // HS256, keyed with the server's public key (the JWK's `x`, raw and as
    // published): the classic confusion of a verifier that trusts `alg`.
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    header["alg"] = json!("HS256");
    for secret in [B64.decode(x).unwrap(), x.as_bytes().to_vec()] {
        let mut header = header.clone();
        header["typ"] = json!("JWT");
        let forged = jsonwebtoken::encode(
            &serde_json::from_value::<jsonwebtoken::Header>(header).unwrap(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert!(is_invalid(verifier.verify(&forged).await), "HS256 forged with the public key");
    }
    // None of them made the verifier fetch anything.
    assert_eq!(server.jwks_fetches().await, fetches);
}

#[tokio::test]
async fn keys_out_of_reach_are_jwks_unavailable_not_a_sign_out() {
    let server = Server::start(0).await;
    let (jwt, _, _) = server.session_token().await;
    // Nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let verifier = Verifier::new(Options::new(&base, "gatehouse"));
    let Err(error) = verifier.verify(&jwt).await else { panic!("verified without keys") };
    assert_eq!((error.code(), error.status()), ("jwks_unavailable", 503));
    // An answer that is not a key set (the server's health check) is the same.
    let wrong = Verifier::new(Options::with_jwks_url(&format!("{}/healthz", server.base), "gatehouse"));
    assert!(matches!(wrong.verify(&jwt).await, Err(Error::KeysUnavailable(_))));
}

#[tokio::test]
async fn the_readme_app_answers_only_to_a_signed_in_user() {
    let server = Server::start(0).await;
    let (jwt, user, session) = server.session_token().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}/api/me", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, example::app(&server.base)).into_future());
    let http = reqwest::Client::new();

    let ok = http.get(&app_url).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({ "user_id": user, "session_id": session }));

    for (authorization, code) in [(None, "session_token_missing"), (Some("Bearer nope"), "session_token_invalid")] {
        let mut request = http.get(&app_url);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(refused.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert!(body["errors"][0]["message"].is_string());
    }

    // The keys out of reach: 503, not 401.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let outage_url = format!("http://{}/api/me", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, example::app(&nowhere)).into_future());
    let outage = http.get(&outage_url).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(outage.status(), 503);
    assert_eq!(outage.json::<Value>().await.unwrap()["errors"][0]["code"], "jwks_unavailable");
}

#[test]
fn the_readmes_show_the_example_as_it_is_tested() {
    let example = include_str!("../examples/axum_backend.rs");
    let snippet =
        example.split("// README: begin\n").nth(1).and_then(|rest| rest.split("// README: end").next()).unwrap();
    for (name, readme) in
        [("verify/README.md", include_str!("../README.md")), ("README.md", include_str!("../../README.md"))]
    {
        assert!(readme.contains(snippet), "{name} shows examples/axum_backend.rs between its README markers");
    }
}
