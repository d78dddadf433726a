//! The admin API (`/v1/admin`): for the operator's own servers, not for
//! browsers. It exists only when the server has a secret key
//! (`--secret-key` / `GATEHOUSE_SECRET_KEY`); without one every path
//! under it is 404 (`auth::check`).
//!
//! - [`auth`]: the key check (401 `authorization_invalid`);
//! - [`query`]: list queries and pages;
//! - [`sync`]: `PUT /v1/admin/users`, the upsert of synced users;
//! - [`users`], [`invitations`], [`webhooks`] (the webhook deliveries),
//!   [`factors`] (a user's second factors: list, reset): the handlers.
//!
//! Answers are the resources themselves (no client envelope: there is no
//! client here). The CSRF rule applies as everywhere: servers send no
//! `Origin`, so they pass.

pub mod auth;
pub mod factors;
pub mod invitations;
pub mod query;
pub mod sync;
pub mod users;
pub mod view;
pub mod webhooks;

use crate::state::AppState;
use auth::AdminKey;
use axum::middleware::from_fn_with_state;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The admin routes, behind the key check (paths relative to `/v1`);
/// `None`: no key, every one answers 404.
pub fn routes(key: Option<AdminKey>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list, users::put))
        .routes(routes!(users::show, users::delete))
        .routes(routes!(users::revoke_sessions))
        .routes(routes!(factors::list, factors::reset))
        .routes(routes!(invitations::list, invitations::create))
        .routes(routes!(invitations::show))
        .routes(routes!(invitations::revoke))
        .routes(routes!(invitations::refresh))
        .routes(routes!(webhooks::list))
        .routes(routes!(webhooks::show))
        .routes(routes!(webhooks::redeliver))
        .route_layer(from_fn_with_state(key, auth::check))
}
