//! The `LISTEN` task of a node over PostgreSQL: it feeds this node's
//! [`Hub`] the change notices that any node's transactions queued with
//! `pg_notify` (`crate::db::NOTICE_CHANNEL`).
//!
//! PostgreSQL keeps no notice for a listener that is not connected. So
//! when the connection drops, the task reconnects (retrying with a growing
//! pause, up to [`MAX_PAUSE`]) and then wakes every waiting stream once
//! ([`Hub::wake_all`]): each re-reads its sign-up and sends it if it
//! changed meanwhile. A wake costs a read; a lost one would leave a
//! stream waiting until its lifetime ends.

use super::{Hub, Notify as _};
use crate::db::NOTICE_CHANNEL;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The longest pause between two attempts to reconnect.
pub const MAX_PAUSE: Duration = Duration::from_secs(5);
/// The first pause, doubled after each failed attempt.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// Connects and listens now (so no notice committed after this returns is
/// missed), then feeds `hub` in a task of its own, until it is aborted.
pub async fn spawn(url: &str, hub: Hub) -> Result<JoinHandle<()>, sqlx::Error> {
    let listener = connect(url).await?;
    let url = String::from(url);
    Ok(tokio::spawn(async move { feed(listener, &url, &hub).await }))
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(NOTICE_CHANNEL).await?;
    Ok(listener)
}

async fn feed(mut listener: PgListener, url: &str, hub: &Hub) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notice)) => hub.changed(notice.payload()),
            // The connection dropped, and sqlx has connected and listened again.
            Ok(None) => {
                tracing::warn!("change notices: the LISTEN connection dropped and was re-established");
                hub.wake_all();
            }
            Err(error) => {
                tracing::warn!(%error, "change notices: the LISTEN connection failed; reconnecting");
                listener = reconnect(url).await;
                hub.wake_all();
            }
        }
    }
}

/// A new listener, after as many attempts as it takes.
async fn reconnect(url: &str) -> PgListener {
    let mut pause = FIRST_PAUSE;
    loop {
        match connect(url).await {
            Ok(listener) => return listener,
            Err(error) => {
                tracing::warn!(%error, ?pause, "change notices: cannot listen yet; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}
