//! The id of every request: the `x-request-id` answer header, the
//! `trace_id` of every error body and the `request` span of its log lines,
//! all one value, so a `trace_id` someone reports leads straight to its
//! log lines.
//!
//! tower-http's request-id layers do the work ([`around`]): a request
//! that arrives with an `x-request-id` keeps it (a load balancer's or the
//! calling backend's id then follows the request through), any other gets
//! a fresh UUID v4, and the answer carries it back. The incoming header is
//! the sender's to choose, so it is only a label: nothing is decided on
//! it, and one that is not [`acceptable`] (more than [`MAX_LEN`]
//! characters, or any outside `A-Z a-z 0-9 - _ .`, or sent twice) is
//! dropped before the layers see it, so it can neither flood nor forge
//! log lines. The id is also kept in a task-local, so
//! [`crate::error::ApiError`] and any log line can read it ([`current`]).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tracing::Span;

/// The header, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id kept (a UUID is 36).
pub const MAX_LEN: usize = 64;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// `router` with the request-id layers outside it.
pub fn around(router: Router) -> Router {
    router
        .layer(from_fn(scope))
        .layer(PropagateRequestIdLayer::new(HEADER))
        .layer(SetRequestIdLayer::new(HEADER, MakeRequestUuid))
        .layer(from_fn(drop_unacceptable))
}

/// Whether an incoming id is kept: 1 to [`MAX_LEN`] characters of
/// `A-Z a-z 0-9 - _ .`.
pub fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_LEN).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The current request's id, or a fresh one outside a request.
pub fn current() -> String {
    REQUEST_ID.try_with(String::clone).unwrap_or_else(|_| fresh())
}

fn fresh() -> String {
    crate::ids::hex(&crate::ids::random_bytes::<16>())
}

/// The id `SetRequestIdLayer` gave the request.
fn id_of<B>(req: &axum::http::Request<B>) -> Option<&str> {
    req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok())
}

/// Middleware, outermost: an incoming id that is not [`acceptable`], or
/// more than one, is dropped, and the request gets a fresh one.
async fn drop_unacceptable(mut req: Request, next: Next) -> Response {
    let mut sent = req.headers().get_all(&HEADER).iter();
    let keep = matches!((sent.next(), sent.next()), (Some(one), None) if acceptable(one));
    if !keep {
        req.headers_mut().remove(&HEADER);
    }
    next.run(req).await
}

/// Middleware: the rest of the request runs with its id in the task-local.
async fn scope(req: Request, next: Next) -> Response {
    let id = id_of(&req).map_or_else(fresh, String::from);
    REQUEST_ID.scope(id, next.run(req)).await
}

/// The `TraceLayer` span of a request, named by its id (`trace_id`).
pub fn make_span(req: &axum::http::Request<axum::body::Body>) -> Span {
    let trace_id = id_of(req).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), trace_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_acceptable() {
        for ok in ["a", "0f6f5c1e-8d7a-4a51-9e33-0c1f4b2a9d10", "abc.DEF_9-1", &"x".repeat(MAX_LEN)] {
            assert!(acceptable(&HeaderValue::from_str(ok).unwrap()), "{ok}");
        }
        for bad in ["", " ", "a b", "a\tb", "id\"quoted", "x=1;y", "über", &"x".repeat(MAX_LEN + 1), "%0aFAKE"] {
            let value = HeaderValue::from_bytes(bad.as_bytes()).unwrap();
            assert!(!acceptable(&value), "{bad:?}");
        }
    }
}
