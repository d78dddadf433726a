//! Client tokens over time: finding a client with its ages, refreshing
//! when it was last seen, and replacing its token while remembering the
//! one it replaced (`crate::client`); and ending every session of a user
//! (the admin API).

use super::{Store, Tx};
use gatehouse_protocol::wire;
use sqlx::Row;

/// A client found by its token, with what decides whether it still lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientToken {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// A completion or sign-out asked for a new token.
    pub rotate_due: bool,
}

/// The client's token as it stands, for an event stream that decides
/// what its event may show (`crate::sign_up::stream`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenState {
    /// The hash of the current token.
    pub token_hash: String,
    /// A completion or sign-out asked for a new token.
    pub rotate_due: bool,
    /// The hash of the `__gh_wait` cookie of the same-browser link
    /// confirmation that made the last replacement, if that is what made it.
    pub replaced_for_wait: Option<String>,
}

/// Replaces the token of a client whose rotation is due (`$1` the
/// client, `$2` the new token's hash, `$3` now, `$4` the hash of the
/// `__gh_wait` cookie of a link confirmed in this client's own browser, or
/// NULL), keeping the old one's hash and the time as the previous token.
const ROTATE: &str = "UPDATE clients SET previous_token_hash = token_hash, token_replaced_at = $3, \
     token_hash = $2, token_rotate_due = NULL, last_seen_at = $3, replaced_for_wait = $4 \
     WHERE id = $1 AND token_rotate_due IS NOT NULL";

impl Store {
    /// The client a token belongs to (by the token's hash), with its ages.
    pub async fn client_token(&self, token_hash: &str) -> Result<Option<ClientToken>, sqlx::Error> {
        let row =
            sqlx::query("SELECT id, created_at, last_seen_at, token_rotate_due FROM clients WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(ClientToken {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                rotate_due: r.try_get::<Option<i64>, _>("token_rotate_due")?.is_some(),
            })
        })
        .transpose()
    }

    /// Whether a completion or sign-out asked for a new token for this client.
    pub async fn client_rotate_due(&self, id: &str) -> Result<bool, sqlx::Error> {
        let due: Option<Option<i64>> = sqlx::query_scalar("SELECT token_rotate_due FROM clients WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(due.flatten().is_some())
    }

    /// Replaces the token of a client whose rotation is due, and marks it
    /// seen; `false` when none was due (another request rotated first).
    /// The old token's hash is kept, with the time, as the previous one.
    pub async fn rotate_client_token(&self, id: &str, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        let done = sqlx::query(ROTATE)
            .bind(id)
            .bind(token_hash)
            .bind(now)
            .bind(None::<&str>)
            .execute(&mut self.pool.acquire_writer(&turn).await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The client's current token hash, whether a replacement is due, and
    /// what the last replacement was for; `None` for a client not stored.
    pub async fn client_token_state(&self, id: &str) -> Result<Option<TokenState>, sqlx::Error> {
        let row = sqlx::query("SELECT token_hash, token_rotate_due, replaced_for_wait FROM clients WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(TokenState {
                token_hash: r.try_get("token_hash")?,
                rotate_due: r.try_get::<Option<i64>, _>("token_rotate_due")?.is_some(),
                replaced_for_wait: r.try_get("replaced_for_wait")?,
            })
        })
        .transpose()
    }

    /// Whether a token (by its hash) is a client's previous one, replaced
    /// at `since` or later. Answers no more than that: the caller refuses
    /// the request, and the old token learns nothing of the client.
    pub async fn token_replaced_since(&self, token_hash: &str, since: i64) -> Result<bool, sqlx::Error> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM clients WHERE previous_token_hash = $1 AND token_replaced_at >= $2 LIMIT 1",
        )
        .bind(token_hash)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Records that the client was used at `now`.
    pub async fn touch_client(&self, id: &str, now: i64) -> Result<(), sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        sqlx::query("UPDATE clients SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut self.pool.acquire_writer(&turn).await?)
            .await?;
        Ok(())
    }
}

impl Tx {
    /// [`Store::rotate_client_token`], in this transaction: the new token
    /// is committed with the change that made it due.
    pub async fn rotate_client_token(&mut self, id: &str, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
        self.rotate_client_token_for(id, token_hash, now, None).await
    }

    /// [`Tx::rotate_client_token`] for a link confirmed in the client's
    /// own browser, recording the hash of the `__gh_wait` cookie it sent
    /// (if any): the event stream that set that cookie may show the new
    /// session (`crate::sign_up::stream`).
    pub async fn rotate_client_token_for(
        &mut self,
        id: &str,
        token_hash: &str,
        now: i64,
        wait_hash: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query(ROTATE).bind(id).bind(token_hash).bind(now).bind(wait_hash).execute(&mut self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes this client's identity away from the browser that holds it:
    /// its token and previous token stop working (replaced by the hash of a
    /// token no one was given, `unknown_hash`), so that browser's next
    /// request starts a new client, with no sessions and no history.
    pub async fn disown_client(&mut self, id: &str, unknown_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE clients SET token_hash = $2, previous_token_hash = NULL, token_replaced_at = NULL, \
             replaced_for_wait = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(unknown_hash)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// Asks for a new token for this client (after a sign-out; sign-up and
    /// sign-in completions ask in `insert_session`).
    pub async fn rotate_client_token_later(&mut self, id: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE clients SET token_rotate_due = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Ends every active and pending session of a user; answers the
    /// active ones, ended (a pending one was never announced: no
    /// `session.created`, so no `session.ended` either).
    pub async fn revoke_user_sessions(&mut self, user_id: &str) -> Result<Vec<wire::Session>, sqlx::Error> {
        sqlx::query("UPDATE sessions SET status = 'revoked' WHERE user_id = $1 AND status = 'pending'")
            .bind(user_id)
            .execute(&mut self.tx)
            .await?;
        let rows = sqlx::query(concat!(
            "UPDATE sessions SET status = 'revoked' WHERE user_id = $1 AND status = 'active' \
             RETURNING id, user_id, status, created_at, expire_at, ",
            super::sessions::totp_enabled_column!("sessions.user_id"),
        ))
        .bind(user_id)
        .fetch_all(&mut self.tx)
        .await?;
        rows.iter().map(super::sessions::from_row).collect()
    }
}
