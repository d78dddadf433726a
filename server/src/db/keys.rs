//! The keys that sign session JWTs (`crate::session::keys` decides).

use super::{Conn, Store, Tx};
use crate::session::keys::KeyRecord;
use sqlx::Row;

async fn all(conn: &mut Conn) -> Result<Vec<KeyRecord>, sqlx::Error> {
    let rows = sqlx::query("SELECT * FROM signing_keys ORDER BY active_from, created_at, kid")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(KeyRecord {
                kid: r.try_get("kid")?,
                public_key: r.try_get("public_key")?,
                private_key: r.try_get("private_key")?,
                created_at: r.try_get("created_at")?,
                active_from: r.try_get("active_from")?,
                withdrawn_at: r.try_get("withdrawn_at")?,
            })
        })
        .collect()
}

impl Store {
    /// Every signing key, oldest `active_from` first.
    pub async fn signing_keys(&self) -> Result<Vec<KeyRecord>, sqlx::Error> {
        all(&mut *self.pool.acquire().await?).await
    }
}

impl Tx {
    /// Every signing key, oldest `active_from` first.
    pub async fn signing_keys(&mut self) -> Result<Vec<KeyRecord>, sqlx::Error> {
        all(&mut self.tx).await
    }

    pub async fn insert_signing_key(&mut self, k: &KeyRecord) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, public_key, private_key, created_at, active_from, withdrawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&k.kid)
        .bind(&k.public_key)
        .bind(&k.private_key)
        .bind(k.created_at)
        .bind(k.active_from)
        .bind(k.withdrawn_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Erases a key's private half; `withdrawn_at` also drops it from the JWKS.
    pub async fn retire_signing_key(&mut self, kid: &str, withdrawn_at: Option<i64>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE signing_keys SET private_key = NULL, withdrawn_at = COALESCE(withdrawn_at, $2) WHERE kid = $1",
        )
        .bind(kid)
        .bind(withdrawn_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
