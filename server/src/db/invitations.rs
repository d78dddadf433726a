//! Invitations.

use super::{Conn, Store, Tx, corrupt};
use crate::model::InvitationRecord;
use gatehouse_protocol::InvitationStatus;
use sqlx::Row;

/// How an invitation is looked up.
#[derive(Clone, Copy, Debug)]
pub enum InvitationKey<'a> {
    Id(&'a str),
    TicketHash(&'a str),
}

async fn load(conn: &mut Conn, key: InvitationKey<'_>) -> Result<Option<InvitationRecord>, sqlx::Error> {
    let (query, value) = match key {
        InvitationKey::Id(v) => ("SELECT * FROM invitations WHERE id = $1", v),
        InvitationKey::TicketHash(v) => ("SELECT * FROM invitations WHERE ticket_hash = $1", v),
    };
    let row = sqlx::query(query).bind(value).fetch_optional(&mut *conn).await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &super::DbRow) -> Result<InvitationRecord, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let metadata: String = row.try_get("metadata")?;
    Ok(InvitationRecord {
        id: row.try_get("id")?,
        email_address: row.try_get("email_address")?,
        status: InvitationStatus::parse(&status).ok_or_else(|| corrupt("invitation status", &status))?,
        ticket_hash: row.try_get("ticket_hash")?,
        redirect_url: row.try_get("redirect_url")?,
        metadata: serde_json::from_str(&metadata).map_err(|_| corrupt("metadata", &metadata))?,
        expires_at: row.try_get("expires_at")?,
        accepted_user_id: row.try_get("accepted_user_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        locale: row.try_get("locale")?,
    })
}

async fn save(conn: &mut Conn, i: &InvitationRecord, is_new: bool) -> Result<(), sqlx::Error> {
    let statement = if is_new {
        "INSERT INTO invitations (id, email_address, status, ticket_hash, redirect_url, metadata, \
         expires_at, accepted_user_id, created_at, updated_at, locale) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    } else {
        "UPDATE invitations SET email_address = $2, status = $3, ticket_hash = $4, redirect_url = $5, \
         metadata = $6, expires_at = $7, accepted_user_id = $8, created_at = $9, updated_at = $10, \
         locale = $11 WHERE id = $1"
    };
    sqlx::query(statement)
        .bind(&i.id)
        .bind(&i.email_address)
        .bind(i.status.as_str())
        .bind(&i.ticket_hash)
        .bind(&i.redirect_url)
        .bind(serde_json::Value::Object(i.metadata.clone()).to_string())
        .bind(i.expires_at)
        .bind(&i.accepted_user_id)
        .bind(i.created_at)
        .bind(i.updated_at)
        .bind(&i.locale)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The filters of a list: `expired` is a pending invitation past its expiry.
async fn list(
    conn: &mut Conn,
    status: Option<InvitationStatus>,
    email: Option<&str>,
    after: Option<&str>,
    limit: u32,
    now: i64,
) -> Result<Vec<InvitationRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT * FROM invitations WHERE ($1 IS NULL OR email_address = $1) AND ($2 IS NULL OR id > $2) \
         AND ($3 IS NULL OR (CASE WHEN status = 'pending' AND expires_at <= $4 THEN 'expired' ELSE status END) = $3) \
         ORDER BY id LIMIT $5",
    )
    .bind(email)
    .bind(after)
    .bind(status.map(InvitationStatus::as_str))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

impl Store {
    pub async fn invitation(&self, key: InvitationKey<'_>) -> Result<Option<InvitationRecord>, sqlx::Error> {
        load(&mut self.pool.acquire().await?, key).await
    }

    /// A page of invitations in id order.
    pub async fn invitations(
        &self,
        status: Option<InvitationStatus>,
        email: Option<&str>,
        after: Option<&str>,
        limit: u32,
        now: i64,
    ) -> Result<Vec<InvitationRecord>, sqlx::Error> {
        list(&mut self.pool.acquire().await?, status, email, after, limit, now).await
    }
}

impl Tx {
    /// An invitation, to change.
    pub async fn invitation(&mut self, key: InvitationKey<'_>) -> Result<Option<InvitationRecord>, sqlx::Error> {
        load(&mut self.tx, key).await
    }

    pub async fn save_invitation(&mut self, invitation: &InvitationRecord, is_new: bool) -> Result<(), sqlx::Error> {
        save(&mut self.tx, invitation, is_new).await
    }

    /// Whether an email has a pending invitation that has not expired.
    pub async fn pending_invitation_exists(&mut self, email: &str, now: i64) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT 1 AS found FROM invitations WHERE email_address = $1 AND status = 'pending' AND expires_at > $2",
        )
        .bind(email)
        .bind(now)
        .fetch_optional(&mut self.tx)
        .await?;
        Ok(row.is_some())
    }
}
