//! The demo page at `/` (`--www`) and the npm package at `/pkg/` (`--pkg`).
//!
//! `ServeDir` picks the content type from the extension, so `.wasm` goes
//! out as `application/wasm` and browsers can compile it while streaming.
//! A missing file answers the API's JSON 404.

use crate::error;
use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use std::path::PathBuf;
use tower_http::services::ServeDir;

/// Routes for the served directories; without either, only the JSON 404.
pub fn routes<S: Clone + Send + Sync + 'static>(www: Option<PathBuf>, pkg: Option<PathBuf>) -> Router<S> {
    let mut router = Router::new();
    if let Some(pkg) = pkg {
        router = router.nest_service("/pkg", ServeDir::new(pkg).fallback(error::not_found.into_service()));
    }
    match www {
        Some(www) => router.fallback_service(ServeDir::new(www).fallback(error::not_found.into_service())),
        None => router.fallback(error::not_found),
    }
}
