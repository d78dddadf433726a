//! The README's Rust backend: an axum app whose `/api/me` answers only to
//! a signed-in user. `tests/real_server.rs` serves this very `app` against
//! a real Gatehouse server and checks the READMEs show the same lines.
//!
//! Run: `GATEHOUSE_FRONTEND_API=http://127.0.0.1:8080 cargo run -p gatehouse-verify --features axum --example axum_backend`

// README: begin
use axum::{Json, Router, routing::get};
use gatehouse_verify::{Options, Verifier, axum::Session};

pub fn app(frontend_api: &str) -> Router {
    let verifier = Verifier::new(Options::new(frontend_api, "gatehouse"));
    Router::new().route("/api/me", get(me)).with_state(verifier)
}

// 401 {"errors":[{"code":"session_token_missing",...}]} without a valid token.
async fn me(session: Session) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user_id": session.user_id, "session_id": session.session_id }))
}
// README: end

#[allow(dead_code)]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let frontend_api =
        std::env::var("GATEHOUSE_FRONTEND_API").unwrap_or_else(|_| String::from("http://127.0.0.1:8080"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://127.0.0.1:3000/api/me, verifying with {frontend_api}");
    axum::serve(listener, app(&frontend_api)).await
}
