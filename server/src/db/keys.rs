//! The keys that sign session JWTs (`crate::session::keys` decides). The
//! private half is stored sealed with the master key, under the key's kid.

use super::{Conn, Store, Tx};
use crate::master_key::MasterKey;
use crate::model::KeyRecord;
use sqlx::Row;

/// The associated data a private key is sealed under.
fn sealed_name(kid: &str) -> String {
    format!("signing_keys/{kid}")
}

async fn all(conn: &mut Conn, master: &MasterKey) -> Result<Vec<KeyRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, public_key, private_key, created_at, active_from, withdrawn_at FROM signing_keys \
         ORDER BY active_from, created_at, kid",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kid: String = r.try_get("kid")?;
            let sealed: Option<String> = r.try_get("private_key")?;
            let private_key = sealed
                .map(|s| {
                    let opened = master.open(&sealed_name(&kid), &s).map_err(|e| sqlx::Error::Decode(e.into()))?;
                    String::from_utf8(opened).map_err(|e| sqlx::Error::Decode(e.into()))
                })
                .transpose()?;
            Ok(KeyRecord {
                kid,
                public_key: r.try_get("public_key")?,
                private_key,
                created_at: r.try_get("created_at")?,
                active_from: r.try_get("active_from")?,
                withdrawn_at: r.try_get("withdrawn_at")?,
            })
        })
        .collect()
}

/// Seals every private key still stored in the clear; answers how many.
pub(super) async fn seal_plaintext(conn: &mut Conn, master: &MasterKey) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, private_key FROM signing_keys WHERE private_key IS NOT NULL AND private_key_sealed = FALSE",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let (kid, plain): (String, String) = (row.try_get("kid")?, row.try_get("private_key")?);
        sqlx::query("UPDATE signing_keys SET private_key = $2, private_key_sealed = TRUE WHERE kid = $1")
            .bind(&kid)
            .bind(master.seal(&sealed_name(&kid), plain.as_bytes()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows.len())
}

impl Store {
    /// Every signing key, oldest `active_from` first.
    pub async fn signing_keys(&self) -> Result<Vec<KeyRecord>, sqlx::Error> {
        all(&mut self.pool.acquire().await?, &self.master).await
    }
}

impl Tx {
    /// Every signing key, oldest `active_from` first.
    pub async fn signing_keys(&mut self) -> Result<Vec<KeyRecord>, sqlx::Error> {
        all(&mut self.tx, &self.master).await
    }

    pub async fn insert_signing_key(&mut self, k: &KeyRecord) -> Result<(), sqlx::Error> {
        let sealed = k.private_key.as_deref().map(|p| self.master.seal(&sealed_name(&k.kid), p.as_bytes()));
        sqlx::query(
            "INSERT INTO signing_keys \
             (kid, public_key, private_key, private_key_sealed, created_at, active_from, withdrawn_at) \
             VALUES ($1, $2, $3, TRUE, $4, $5, $6)",
        )
        .bind(&k.kid)
        .bind(&k.public_key)
        .bind(&sealed)
        .bind(k.created_at)
        .bind(k.active_from)
        .bind(k.withdrawn_at)
        .execute(&mut self.tx)
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
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }
}
