//! A trace id for every request: in the log span and in every error body.
//!
//! The id is made by [`assign`], the outermost middleware, kept in a
//! task-local so [`crate::error::ApiError`] can put it in the body it writes,
//! and in the request's extensions so the `TraceLayer` span shows it. A
//! person who reports an error's `trace_id` leads straight to its log lines.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

tokio::task_local! {
    static TRACE_ID: TraceId;
}

/// The id of one request: 16 random bytes in hex.
#[derive(Clone, Debug)]
pub struct TraceId(pub String);

impl TraceId {
    fn new() -> Self {
        TraceId(crate::ids::hex(&crate::ids::random_bytes::<16>()))
    }
}

/// The current request's trace id, or a fresh one outside a request.
pub fn current() -> String {
    TRACE_ID.try_with(|t| t.0.clone()).unwrap_or_else(|_| TraceId::new().0)
}

/// Middleware: gives the request its id for the rest of its life.
pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = TraceId::new();
    req.extensions_mut().insert(id.clone());
    TRACE_ID.scope(id, next.run(req)).await
}

/// The `TraceLayer` span of a request, named by its trace id.
pub fn make_span(req: &axum::http::Request<axum::body::Body>) -> Span {
    let trace_id = req.extensions().get::<TraceId>().map(|t| t.0.as_str()).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), trace_id)
}
