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

/// The `TraceLayer` span of a request, named by its trace id, with the
/// caller's or proxy's `x-request-id` beside it (`-` without one), so JSON
/// log lines carry both (`span.trace_id`, `span.request_id`).
pub fn make_span(req: &axum::http::Request<axum::body::Body>) -> Span {
    let trace_id = req.extensions().get::<TraceId>().map(|t| t.0.as_str()).unwrap_or("-");
    let request_id = request_id(req.headers()).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), trace_id, request_id)
}

/// The request's `x-request-id`, when it is a plausible id: at most
/// [`MAX_REQUEST_ID`] visible ASCII characters (a caller writes it, so it
/// gets no room to stuff the log).
fn request_id(headers: &axum::http::HeaderMap) -> Option<&str> {
    let id = headers.get("x-request-id")?.to_str().ok()?;
    let plausible = !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.bytes().all(|b| b.is_ascii_graphic());
    plausible.then_some(id)
}

/// The longest `x-request-id` logged.
const MAX_REQUEST_ID: usize = 128;
