//! The router: every route, and the layers around them, in one place.
//!
//! From the outside in: the request metrics (`telemetry::track`; each
//! router's `telemetry::tag_route` hands it the route template), the
//! request id (`x-request-id`, [`trace`]), the request log, the dev request counter (`--dev`), CORS, the request timeout (a JSON 503
//! `request_timeout`; an event stream's body is not timed, only its
//! start), the JSON 413, the body limit, the Origin check; then per route
//! group, the rate limit (`/v1` and the JWKS), compression (the static
//! files only), the client (`/v1/client`)
//! and the admin key (`/v1/admin`); then per route, the tighter quota of
//! the password and code endpoints. The same list makes the OpenAPI
//! document (`crate::openapi`), served at `/openapi.json`.

use crate::admin::{self, auth::AdminKey};
use crate::client;
use crate::error;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT_BYTES;
use crate::openapi::{self, Document};
use crate::origin::{self, AllowedOrigins};
use crate::rate_limit::{self, Limiter};
use crate::session::handlers as session;
use crate::session::user_sessions;
use crate::sign_in::handlers as sign_in;
use crate::sign_up::handlers as sign_up;
use crate::state::AppState;
use crate::totp::handlers as totp;
use crate::{Options, dev, environment, probes, static_files, telemetry, trace, verify};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use gatehouse_protocol::ErrorCode;
use std::time::Duration;
use tower_http::LatencyUnit;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The whole app for `state`.
///
/// Every route is mounted with `routes!`, which adds its handler's
/// `#[utoipa::path]` to the OpenAPI document as it adds the route (see
/// `crate::openapi`): a route without one does not compile, and
/// `tests/api/openapi.rs` refuses a plain `.route(`. The admin API, the dev
/// tools and `/metrics` are mounted on every instance and answer 404 where
/// they are off, so the document does not depend on the options.
pub fn router(state: AppState, options: &Options) -> Router {
    let limiter = Limiter::new(state.config.rate_limit.clone());
    limiter.spawn_cleanup();
    // The password and code endpoints: the tighter quota too.
    let sensitive = from_fn_with_state(limiter.clone(), rate_limit::check_sensitive);
    // The new password of "was this you?" too (a form post, outside `/v1/client`).
    let sensitive_form = sensitive.clone();
    let if_password = from_fn_with_state(limiter.clone(), rate_limit::check_if_password);
    let clients = OpenApiRouter::new()
        .routes(routes!(client::show))
        .routes(routes!(sign_up::create).layer(if_password.clone()))
        .routes(routes!(sign_up::show, sign_up::update).layer(if_password))
        .routes(routes!(sign_up::prepare).layer(sensitive.clone()))
        .routes(routes!(sign_up::attempt).layer(sensitive.clone()))
        .routes(routes!(sign_up::events))
        .routes(routes!(sign_in::create).layer(sensitive.clone()))
        .routes(routes!(sign_in::show))
        .routes(routes!(sign_in::prepare).layer(sensitive.clone()))
        .routes(routes!(sign_in::attempt).layer(sensitive.clone()))
        .routes(routes!(sign_in::reset_password).layer(sensitive.clone()))
        .routes(routes!(sign_in::attempt_second_factor).layer(sensitive.clone()))
        .routes(routes!(totp::create))
        .routes(routes!(totp::verify).layer(sensitive.clone()))
        .routes(routes!(totp::disable).layer(sensitive))
        .routes(routes!(session::revoke))
        .routes(routes!(session::token))
        .routes(routes!(user_sessions::list))
        .routes(routes!(user_sessions::revoke))
        .route_layer(from_fn_with_state(state.clone(), client::resolve));
    let (v1, v1_doc) = OpenApiRouter::new()
        .merge(clients)
        .routes(routes!(environment::show))
        .routes(routes!(verify::open, verify::confirm))
        .routes(routes!(verify::cancel))
        .routes(routes!(verify::handover))
        .routes(routes!(verify::not_me::open, verify::not_me::end))
        .routes(routes!(verify::not_me::password).layer(sensitive_form))
        .merge(admin::routes(options.secret_key.as_ref().map(AdminKey::new)))
        .merge(dev::routes(state.dev))
        .split_for_parts();
    let v1 = v1
        .fallback(error::not_found)
        // A known path with another method has nothing here either.
        .method_not_allowed_fallback(error::method_not_allowed)
        .route_layer(from_fn(telemetry::tag_route))
        .layer(from_fn_with_state(limiter.clone(), rate_limit::check));
    let (jwks, jwks_doc) = OpenApiRouter::new()
        .routes(routes!(session::jwks))
        .route_layer(from_fn_with_state(limiter, rate_limit::check))
        .split_for_parts();
    let (probes, probes_doc) =
        probes::routes(metrics_key(options)).routes(routes!(openapi::document)).split_for_parts();
    let mut doc = openapi::base();
    doc.merge(jwks_doc);
    doc.merge(probes_doc);
    let doc = openapi::finish(doc.nest("/v1", v1_doc));

    let allowed = AllowedOrigins::new(&origin::PublicOrigin::of(&state.config), &state.config);
    let app = Router::new()
        .nest("/v1", v1)
        .merge(jwks)
        .merge(probes)
        .merge(static_files::routes(options.www.clone(), options.pkg.clone()).layer(compression()))
        .route_layer(from_fn(telemetry::tag_route))
        .with_state(state.clone())
        .layer(Extension(Document::of(&doc)))
        .layer(from_fn_with_state(allowed.clone(), origin::check))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(map_response(error::json_body_too_large));
    let mut app = with_timeout(app, state.config.http.request_timeout).layer(cors(&allowed));
    if state.dev {
        app = app.layer(from_fn_with_state(state, dev::record));
    }
    trace::around(
        app.layer(
            TraceLayer::new_for_http()
                .make_span_with(trace::make_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Millis)),
        ),
    )
    .layer(from_fn(telemetry::track))
}

/// The key `/metrics` needs on this listener: the admin key, unless the
/// metrics have a listener of their own (then none here).
fn metrics_key(options: &Options) -> Option<AdminKey> {
    match (&options.secret_key, options.metrics_apart) {
        (Some(secret), false) => Some(AdminKey::new(secret)),
        _ => None,
    }
}

fn cors(allowed: &AllowedOrigins) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed.listed().iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, client::MODE_HEADER])
        .expose_headers([client::HEADER, header::RETRY_AFTER, trace::HEADER])
        .max_age(std::time::Duration::from_secs(600))
}

/// gzip or brotli, as the request's `Accept-Encoding` prefers, for the
/// static files only. The API's answers are not compressed: they carry
/// secrets (session JWTs, client tokens) beside what the caller sent, and
/// a compressed answer's length would leak the secret a byte at a time
/// (BREACH); they are small anyway, and event streams must not be held
/// back in a compressor. tower-http's default predicate leaves out images
/// and bodies under 32 bytes. Its default levels suit compressing
/// at each request: gzip 6, brotli 4 (brotli's own default, 11, takes far
/// longer for little less).
fn compression() -> CompressionLayer {
    CompressionLayer::new()
}

/// Answers 503 `request_timeout` when `app` has not begun its answer
/// within `timeout`. Only the start of an answer is timed, so an event
/// stream, once open, runs on.
pub fn with_timeout(app: Router, timeout: Duration) -> Router {
    app.layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout)).layer(map_response(json_timeout))
}

/// The bare 408 of the timeout layer, in the JSON error shape. No handler
/// answers 408 itself, so the status tells the two apart.
async fn json_timeout(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        return ApiError::Refused(ErrorCode::RequestTimeout).into_response();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test(start_paused = true)]
    async fn a_request_slower_than_the_timeout_answers_503_request_timeout() {
        let slow = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "ok" }));
        let app = with_timeout(slow, Duration::from_secs(10));
        let answer = app.clone().oneshot(Request::get("/slow").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(answer.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["code"], "request_timeout");
        let answer = app.oneshot(Request::get("/quick").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
}
