//! The admin API (`/v1/admin`): for the operator's own servers, not for
//! browsers. It exists only when the server has a secret key
//! (`--secret-key` / `GATEHOUSE_SECRET_KEY`); without one every path
//! under it is 404.
//!
//! - [`auth`]: the key check (401 `authorization_invalid`);
//! - [`query`]: list queries and pages;
//! - [`sync`]: `PUT /v1/admin/users`, the upsert of synced users;
//! - [`users`], [`invitations`], [`webhooks`] (the webhook deliveries): the handlers.
//!
//! Answers are the resources themselves (no client envelope: there is no
//! client here). The CSRF rule applies as everywhere: servers send no
//! `Origin`, so they pass.

pub mod auth;
pub mod invitations;
pub mod query;
pub mod sync;
pub mod users;
pub mod view;
pub mod webhooks;

use crate::state::AppState;
use auth::AdminKey;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

/// The admin routes, behind the key check (paths relative to `/v1`).
pub fn routes(key: AdminKey) -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users::list).put(users::put))
        .route("/admin/users/{id}", get(users::show).delete(users::delete))
        .route("/admin/users/{id}/revoke_sessions", post(users::revoke_sessions))
        .route("/admin/invitations", get(invitations::list).post(invitations::create))
        .route("/admin/invitations/{id}", get(invitations::show))
        .route("/admin/invitations/{id}/revoke", post(invitations::revoke))
        .route("/admin/invitations/{id}/refresh", post(invitations::refresh))
        .route("/admin/webhook_deliveries", get(webhooks::list))
        .route("/admin/webhook_deliveries/{id}", get(webhooks::show))
        .route("/admin/webhook_deliveries/{id}/redeliver", post(webhooks::redeliver))
        .route_layer(from_fn_with_state(key, auth::check))
}
