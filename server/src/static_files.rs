//! The demo page at `/` (`--www`) and the npm package at `/pkg/` (`--pkg`).
//!
//! `ServeDir` picks the content type from the extension, so `.wasm` goes
//! out as `application/wasm` and browsers can compile it while streaming.
//! A missing file answers the API's JSON 404.
//!
//! Every file goes out with `Cache-Control: no-cache`: a browser may keep
//! it, but asks each time whether it changed (`If-Modified-Since`, from
//! `ServeDir`'s `Last-Modified`) and gets a bodiless 304 when it did not.
//! No name carries a content hash (`gatehouse.js` finds its wasm by its
//! fixed name, and pages preload both by name), so nothing may be kept
//! without asking.
//!
//! A file with a compressed sibling (`gatehouse.js.br`, `.gz`: written by
//! `scripts/build-pkg.sh` at brotli 11 and gzip 9) goes out as that sibling
//! when the request accepts its encoding, with no work at the request; any
//! other file is compressed by the app's layer (`app::compression`) at its
//! faster levels. A sibling is trusted to hold its file's bytes: whatever
//! rewrites a file rewrites its siblings (the package build writes all).

use crate::error;
use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, header};
use std::path::PathBuf;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Routes for the served directories; without either, only the JSON 404.
pub fn routes<S: Clone + Send + Sync + 'static>(www: Option<PathBuf>, pkg: Option<PathBuf>) -> Router<S> {
    let mut router = Router::new();
    if let Some(pkg) = pkg {
        router = router.nest_service("/pkg", served(pkg).fallback(error::not_found.into_service()));
    }
    let router = match www {
        Some(www) => router.fallback_service(served(www).fallback(error::not_found.into_service())),
        None => router.fallback(error::not_found),
    };
    router.layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

/// `dir`'s files, each sent as its brotli or gzip sibling where there is one
/// and the request accepts it.
fn served(dir: PathBuf) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}
