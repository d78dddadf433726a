//! The HTTP/1.1 connections the router serves, one tokio task each.
//!
//! `axum::serve` would hand each connection to hyper-util's `auto`
//! builder, which first reads the opening 24 bytes on their own (to tell
//! HTTP/2 from HTTP/1.1) and gives them back to hyper through a rewinding
//! reader. hyper's first read then gets those 24 bytes alone, and its next
//! one grows the 8 KiB read buffer to 16 KiB to fit the rest of the request
//! head. An event stream keeps its connection, and that buffer, for up to
//! `[events] max_lifetime_seconds`: 8 KiB more a stream, 80 MB of heap with
//! 10,000 streams open (docs/BENCHMARKS.md, "Making the server fast",
//! step 4). The
//! server speaks HTTP/1.1 only (axum is built without `http2`), so [`serve`]
//! hands each connection to hyper's HTTP/1.1 builder directly, with
//! hyper's defaults, as the `auto` builder had them.
//!
//! hyper itself is built from `vendor/hyper` (`vendor/hyper/GATEHOUSE.md`):
//! a connection with nothing to read holds no read buffer, and its buffer
//! for response heads is the size of the heads, not 8 KiB, so a waiting
//! stream keeps neither.
//!
//! The rest is as `axum::serve` does it: the listener retries failed
//! accepts (`axum::serve::Listener`), the router sees the peer's address as
//! `ConnectInfo<SocketAddr>`, and on shutdown no new connection is taken
//! while those open finish their requests (hyper-util's
//! `GracefulShutdown`).

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::serve::Listener;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use tower::ServiceExt;

/// Serves `router` on every connection `listener` accepts until `shutdown`
/// resolves, then waits for the connections open to finish.
pub async fn serve<L>(mut listener: L, router: Router, shutdown: impl Future<Output = ()>)
where
    L: Listener<Addr = SocketAddr>,
{
    let builder = http1::Builder::new();
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let service = router.clone().map_request(move |req: Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
