//! Change notices: a [`Tx`](super::Tx) records which sign-ups it saved and
//! announces them when it commits, so no write can forget to.
//!
//! How a notice travels depends on the backend:
//! - SQLite (one node): after the commit, [`Tx::commit`](super::Tx::commit)
//!   tells the [`Notify`] the store was given (the node's hub, in `events/`).
//! - PostgreSQL (many nodes): [`announce`] runs `pg_notify` on
//!   [`CHANNEL`] inside the transaction; PostgreSQL delivers it at commit,
//!   to every node's `LISTEN` task (`crate::events::listen`), and drops it
//!   on rollback.
//!
//! A notice carries only the sign-up's id: a lost or doubled one costs a
//! read, never a wrong answer.

use super::backend::{Backend, Conn};
use std::sync::Arc;

/// The PostgreSQL channel of sign-up change notices.
pub const CHANNEL: &str = "gatehouse_sign_up";

/// Where committed changes are told, on this node. Defined here, below the
/// hub, so `db/` need not know it: `crate::events::Hub` implements it.
pub trait Notify: Send + Sync + 'static {
    /// Sign-up `sign_up_id` changed; its transaction has committed.
    fn changed(&self, sign_up_id: &str);
}

/// Nobody listens (a store opened without a hub: tools, tests).
struct Nobody;

impl Notify for Nobody {
    fn changed(&self, _sign_up_id: &str) {}
}

/// The listener a store hands its transactions.
#[derive(Clone)]
pub(super) struct Listener(pub Arc<dyn Notify>);

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Default for Listener {
    fn default() -> Self {
        Listener(Arc::new(Nobody))
    }
}

/// Records that the transaction changed `sign_up_id`. On PostgreSQL the
/// notice is queued in the transaction itself (sent at commit, dropped on
/// rollback; PostgreSQL folds repeats of one notice into one).
pub(super) async fn announce(
    conn: &mut Conn,
    backend: Backend,
    announced: &mut Vec<String>,
    sign_up_id: &str,
) -> Result<(), sqlx::Error> {
    if announced.iter().any(|id| id == sign_up_id) {
        return Ok(());
    }
    announced.push(String::from(sign_up_id));
    if backend == Backend::Postgres {
        // `pg_notify` answers `void`, which the `Any` driver cannot read:
        // call it in FROM and select a constant instead.
        sqlx::query("SELECT 1 FROM pg_notify($1, $2)").bind(CHANNEL).bind(sign_up_id).execute(conn).await?;
    }
    Ok(())
}
