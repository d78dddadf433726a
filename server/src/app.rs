//! The router: every route, and the layers around them, in one place.
//!
//! From the outside in: trace id, request log, the dev request counter
//! (`--dev`), CORS, the JSON 413, the body limit, the Origin check; then
//! per route group, the rate limit (`/v1` and the JWKS), the client
//! (`/v1/client`) and the admin key (`/v1/admin`).

use crate::admin::{self, auth::AdminKey};
use crate::client;
use crate::error;
use crate::origin::{self, AllowedOrigins};
use crate::rate_limit::{self, Limiter};
use crate::session::handlers as session;
use crate::sign_in::handlers as sign_in;
use crate::sign_up::handlers as sign_up;
use crate::state::AppState;
use crate::{dev, environment, static_files, trace, verify, Options};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{from_fn, from_fn_with_state, map_response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The whole app for `state`.
pub fn router(state: AppState, options: &Options) -> Router {
    let clients = Router::new()
        .route("/client", get(client::show))
        .route("/client/sign_ups", post(sign_up::create))
        .route("/client/sign_ups/{id}", get(sign_up::show).patch(sign_up::update))
        .route("/client/sign_ups/{id}/prepare_verification", post(sign_up::prepare))
        .route("/client/sign_ups/{id}/attempt_verification", post(sign_up::attempt))
        .route("/client/sign_ups/{id}/events", get(sign_up::events))
        .route("/client/sign_ins", post(sign_in::create))
        .route("/client/sign_ins/{id}", get(sign_in::show))
        .route("/client/sign_ins/{id}/prepare_first_factor", post(sign_in::prepare))
        .route("/client/sign_ins/{id}/attempt_first_factor", post(sign_in::attempt))
        .route("/client/sessions/{id}", delete(session::revoke))
        .route("/client/sessions/{id}/tokens", post(session::token))
        .route_layer(from_fn_with_state(state.clone(), client::resolve));
    let mut v1 = Router::new()
        .merge(clients)
        .route("/environment", get(environment::show))
        .route("/verify", get(verify::open).post(verify::confirm))
        .route("/verify/cancel", post(verify::cancel));
    if let Some(secret) = &options.secret_key {
        v1 = v1.merge(admin::routes(AdminKey::new(secret)));
    }
    if state.dev {
        v1 = v1
            .route("/dev/outbox", get(dev::outbox))
            .route("/dev/invitations", post(dev::invite))
            .route("/dev/event_streams", get(dev::event_streams))
            .route("/dev/drop_event_streams", post(dev::drop_event_streams))
            .route("/dev/requests", get(dev::requests))
            .route("/dev/requests/reset", post(dev::reset_requests));
    }
    let limiter = Limiter::new(state.config.rate_limit.clone());
    limiter.spawn_cleanup();
    let v1 = v1
        .fallback(error::not_found)
        // A known path with another method has nothing here either.
        .method_not_allowed_fallback(error::not_found)
        .layer(from_fn_with_state(limiter.clone(), rate_limit::check));
    let jwks = Router::new()
        .route("/.well-known/jwks.json", get(session::jwks))
        .route_layer(from_fn_with_state(limiter, rate_limit::check));

    let allowed = AllowedOrigins(Arc::new(state.config.allowed_origins.clone()));
    let mut app = Router::new()
        .nest("/v1", v1)
        .merge(jwks)
        .route("/healthz", get(healthz))
        .merge(static_files::routes(options.www.clone(), options.pkg.clone()))
        .with_state(state.clone())
        .layer(from_fn_with_state(allowed.clone(), origin::check))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(map_response(error::json_body_too_large))
        .layer(cors(&allowed));
    if state.dev {
        app = app.layer(from_fn_with_state(state, dev::record));
    }
    app.layer(
            TraceLayer::new_for_http()
                .make_span_with(trace::make_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
        .layer(from_fn(trace::assign))
}

fn cors(allowed: &AllowedOrigins) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed.0.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([client::HEADER, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// `GET /healthz`.
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
