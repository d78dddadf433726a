//! The SQL of the cleanup task (`crate::cleanup`): which rows are stale,
//! and one batch of their deletion.
//!
//! Each purge is a list of statements run in order in one transaction: the
//! dependents first, then the rows themselves, last. Every statement takes
//! `$1`, the cutoff time (epoch ms), and `$2`, the batch size, and picks the
//! same rows through the same `ORDER BY id LIMIT $2` subquery, so a batch
//! touches at most `$2` rows of the table it purges. The last statement's
//! count says whether another batch is due. The SQL is portable: PostgreSQL
//! has no `DELETE ... LIMIT`, but it has the subquery.

use super::Store;

/// Sign-ups open past `abandon_at` for longer than the grace (`$1`), with
/// their verifications and links; a client that still points at one
/// forgets it. A complete sign-up stays while its client does.
pub const ABANDONED_SIGN_UPS: &[&str] = &[
    "UPDATE clients SET sign_up_id = NULL WHERE sign_up_id IN (SELECT id FROM sign_ups \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM email_links WHERE sign_up_id IN (SELECT id FROM sign_ups \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM verifications WHERE sign_up_id IN (SELECT id FROM sign_ups \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM sign_ups WHERE id IN (SELECT id FROM sign_ups \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
];

/// Sign-ins open past `abandon_at` for longer than the grace (`$1`), with
/// their password reset links.
pub const ABANDONED_SIGN_INS: &[&str] = &[
    "UPDATE clients SET sign_in_id = NULL WHERE sign_in_id IN (SELECT id FROM sign_ins \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM email_links WHERE sign_in_id IN (SELECT id FROM sign_ins \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM sign_ins WHERE id IN (SELECT id FROM sign_ins \
     WHERE status <> 'complete' AND abandon_at < $1 ORDER BY id LIMIT $2)",
];

/// Sessions that expired before `$1` (revoked ones too: they expire as well).
pub const EXPIRED_SESSIONS: &[&str] = &[
    "UPDATE clients SET last_active_session_id = NULL WHERE last_active_session_id IN (SELECT id FROM sessions \
     WHERE expire_at < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expire_at < $1 ORDER BY id LIMIT $2)",
];

/// Which clients are expired, for a cutoff `$1` (now less `[client]
/// idle_timeout_seconds`): not seen since. The token lookup
/// (`client_tokens.rs`) no longer finds such a client; one past its maximum
/// age is refused there at once and goes here once it has been idle as long.
macro_rules! expired_clients {
    () => {
        "SELECT id FROM clients WHERE last_seen_at < $1 ORDER BY id LIMIT $2"
    };
}

/// Expired clients ([`expired_clients!`]), with everything that is theirs
/// and already dead: sessions, sign-ins, sign-ups (complete ones too: the
/// user they made stays) and those sign-ups' verifications and links.
pub const EXPIRED_CLIENTS: &[&str] = &[
    concat!("DELETE FROM sessions WHERE client_id IN (", expired_clients!(), ")"),
    concat!(
        "DELETE FROM email_links WHERE sign_in_id IN (SELECT id FROM sign_ins WHERE client_id IN (",
        expired_clients!(),
        "))"
    ),
    concat!("DELETE FROM sign_ins WHERE client_id IN (", expired_clients!(), ")"),
    concat!(
        "DELETE FROM email_links WHERE sign_up_id IN (SELECT id FROM sign_ups WHERE client_id IN (",
        expired_clients!(),
        "))"
    ),
    concat!(
        "DELETE FROM verifications WHERE sign_up_id IN (SELECT id FROM sign_ups WHERE client_id IN (",
        expired_clients!(),
        "))"
    ),
    concat!("DELETE FROM sign_ups WHERE client_id IN (", expired_clients!(), ")"),
    concat!("DELETE FROM clients WHERE id IN (", expired_clients!(), ")"),
];

/// Resend records older than the resend interval: they hold nothing back.
pub const STALE_CODE_SENDS: &[&str] = &["DELETE FROM code_sends WHERE address IN (SELECT address FROM code_sends \
     WHERE sent_at < $1 ORDER BY address LIMIT $2)"];

/// Counted events (wrong codes, messages, wrong passwords: `crate::limits`)
/// older than the longest window they count in.
pub const STALE_LIMIT_EVENTS: &[&str] = &["DELETE FROM limit_events WHERE id IN (SELECT id FROM limit_events \
     WHERE at < $1 ORDER BY id LIMIT $2)"];

/// Budget buckets (`limit_buckets`) that started before the cutoff: whole
/// minutes at a time, so a batch may delete a few more rows than its size.
pub const STALE_LIMIT_BUCKETS: &[&str] = &["DELETE FROM limit_buckets WHERE bucket_start IN (SELECT bucket_start \
     FROM limit_buckets WHERE bucket_start < $1 ORDER BY bucket_start LIMIT $2)"];

/// The per-key lock rows of limits not counted since the cutoff.
pub const STALE_LIMIT_LOCKS: &[&str] =
    &["DELETE FROM limit_locks WHERE limit_key IN (SELECT limit_key FROM limit_locks \
     WHERE touched_at < $1 ORDER BY limit_key LIMIT $2)"];

/// Email links that expired before `$1` (kept a while after expiry, so a
/// late click still lands on its redirect with a failed status).
pub const EXPIRED_EMAIL_LINKS: &[&str] =
    &["DELETE FROM email_links WHERE token_hash IN (SELECT token_hash FROM email_links \
     WHERE expire_at < $1 ORDER BY token_hash LIMIT $2)"];

/// "Was this you?" links (`sign_in_alerts`) that expired before `$1`.
pub const EXPIRED_SIGN_IN_ALERTS: &[&str] =
    &["DELETE FROM sign_in_alerts WHERE token_hash IN (SELECT token_hash FROM sign_in_alerts \
     WHERE expire_at < $1 ORDER BY token_hash LIMIT $2)"];

impl Store {
    /// Runs one batch of a purge in one transaction; answers how many rows
    /// its last statement deleted (a full batch means more may be left).
    pub async fn purge_batch(
        &self,
        statements: &[&'static str],
        cutoff: i64,
        batch_size: u32,
    ) -> Result<u64, sqlx::Error> {
        let mut tx = self.begin().await?;
        let mut deleted = 0;
        for statement in statements {
            deleted = sqlx::query(*statement)
                .bind(cutoff)
                .bind(i64::from(batch_size))
                .execute(&mut tx.tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }
}

/// Webhook deliveries done with (delivered or failed) and untouched since `$1`.
pub const OLD_WEBHOOK_DELIVERIES: &[&str] = &["DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM \
     webhook_deliveries WHERE status <> 'pending' AND updated_at < $1 ORDER BY id LIMIT $2)"];
