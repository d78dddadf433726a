//! The Ed25519 keys that sign session JWTs.
//!
//! Keys live in the database (`signing_keys`), so every node and every
//! restart signs and publishes the same ones. The first start makes one;
//! `gatehouse-server rotate-signing-key` makes the next. From the stored
//! rows and the clock alone (so nodes agree, and a running server picks up
//! a rotation without a restart):
//! - the *signing* key is the newest whose `active_from` has come;
//! - a key is *superseded* once a newer key has become active: it never
//!   signs again, so its private half is erased at the next start or
//!   rotation;
//! - the JWKS lists keys published ahead of their `active_from`, the
//!   signing key, and superseded keys until every token they signed has
//!   expired (superseded + token TTL + [`SKEW_MS`]);
//! - a *withdrawn* key (`--compromised`) is neither used nor listed.
//!
//! The `kid` is the key's RFC 7638 JWK thumbprint.

use crate::db::Store;
use crate::ids;
use crate::model::KeyRecord;
use anyhow::Context;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use gatehouse_protocol::wire::Jwk;

/// Clock skew allowed to verifiers, beyond a token's `exp`.
pub const SKEW_MS: i64 = 60_000;

/// The public key as a JWK.
pub fn jwk(key: &KeyRecord) -> Jwk {
    Jwk {
        kty: String::from("OKP"),
        crv: String::from("Ed25519"),
        x: key.public_key.clone(),
        kid: key.kid.clone(),
        alg: String::from("EdDSA"),
        use_: String::from("sig"),
    }
}

/// The private key as jsonwebtoken takes it (PKCS#8 DER).
pub fn encoding_key(key: &KeyRecord) -> anyhow::Result<jsonwebtoken::EncodingKey> {
    let seed: [u8; 32] = key
        .private_key
        .as_deref()
        .and_then(ids::unhex)
        .and_then(|b| b.try_into().ok())
        .context("the signing key has no 32-byte private key")?;
    let der = SigningKey::from_bytes(&seed).to_pkcs8_der().context("encoding the signing key")?;
    Ok(jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()))
}

fn usable(k: &KeyRecord) -> bool {
    k.withdrawn_at.is_none()
}

/// The key that signs at `now`.
pub fn signer(keys: &[KeyRecord], now: i64) -> Option<&KeyRecord> {
    keys.iter()
        .filter(|k| usable(k) && k.private_key.is_some() && k.active_from <= now)
        .max_by(|a, b| (a.active_from, a.created_at, &a.kid).cmp(&(b.active_from, b.created_at, &b.kid)))
}

/// When a newer key became active and took over from `key`, if one has.
fn superseded_at(keys: &[KeyRecord], key: &KeyRecord, now: i64) -> Option<i64> {
    let order = |k: &KeyRecord| (k.active_from, k.created_at, k.kid.clone());
    keys.iter().filter(|k| usable(k) && k.active_from <= now && order(k) > order(key)).map(|k| k.active_from).min()
}

/// The keys the JWKS lists at `now`, for tokens that live `token_ttl_ms`.
pub fn published(keys: &[KeyRecord], now: i64, token_ttl_ms: i64) -> Vec<&KeyRecord> {
    keys.iter()
        .filter(|k| usable(k))
        .filter(|k| superseded_at(keys, k, now).is_none_or(|at| at + token_ttl_ms + SKEW_MS > now))
        .collect()
}

/// Keys that will never sign again but still hold their private half.
fn to_erase(keys: &[KeyRecord], now: i64) -> Vec<String> {
    keys.iter()
        .filter(|k| k.private_key.is_some() && (!usable(k) || superseded_at(keys, k, now).is_some()))
        .map(|k| k.kid.clone())
        .collect()
}

/// At start: makes a key if none can sign now, and erases the private
/// half of keys that never sign again. Two nodes starting at once agree
/// (one write transaction).
pub async fn ensure(store: &Store, now: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    let mut keys = tx.signing_keys().await?;
    if signer(&keys, now).is_none() {
        let key = KeyRecord::generate(now, now);
        tx.insert_signing_key(&key).await?;
        tracing::info!(kid = key.kid, "made the first session signing key");
        keys.push(key);
    }
    for kid in to_erase(&keys, now) {
        tx.retire_signing_key(&kid, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Makes the next signing key, active `delay_ms` from `now`. With
/// `compromised`, it is active at once and every other key is withdrawn.
pub async fn rotate(store: &Store, now: i64, delay_ms: i64, compromised: bool) -> anyhow::Result<KeyRecord> {
    let mut tx = store.begin().await?;
    let keys = tx.signing_keys().await?;
    let active_from = if compromised { now } else { now.saturating_add(delay_ms) };
    let key = KeyRecord::generate(now, active_from);
    tx.insert_signing_key(&key).await?;
    if compromised {
        for old in &keys {
            tx.retire_signing_key(&old.kid, Some(now)).await?;
        }
    } else {
        for kid in to_erase(&keys, now) {
            tx.retire_signing_key(&kid, None).await?;
        }
    }
    tx.commit().await?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, active_from: i64) -> KeyRecord {
        KeyRecord {
            kid: String::from(kid),
            public_key: String::from("x"),
            private_key: Some(String::from("00")),
            created_at: 0,
            active_from,
            withdrawn_at: None,
        }
    }

    fn kids(keys: Vec<&KeyRecord>) -> Vec<&str> {
        keys.into_iter().map(|k| k.kid.as_str()).collect()
    }

    #[test]
    fn a_rotation_publishes_first_signs_later_and_keeps_the_old_key_until_its_tokens_expire() {
        let ttl = 60_000;
        let keys = vec![key("old", 0), key("new", 600_000)];
        // Before the new key is active: the old one signs, both are listed.
        assert_eq!(signer(&keys, 599_999).unwrap().kid, "old");
        assert_eq!(kids(published(&keys, 599_999, ttl)), ["old", "new"]);
        // The new key signs from its active_from; the old one stays listed
        // for a token lifetime plus the skew allowance.
        assert_eq!(signer(&keys, 600_000).unwrap().kid, "new");
        assert_eq!(kids(published(&keys, 600_000 + ttl + SKEW_MS - 1, ttl)), ["old", "new"]);
        assert_eq!(kids(published(&keys, 600_000 + ttl + SKEW_MS, ttl)), ["new"]);
        assert_eq!(to_erase(&keys, 599_999), Vec::<String>::new());
        assert_eq!(to_erase(&keys, 600_000), ["old"]);
    }

    #[test]
    fn withdrawn_keys_neither_sign_nor_show() {
        let mut old = key("old", 0);
        old.withdrawn_at = Some(10);
        let keys = vec![old, key("new", 10)];
        assert_eq!(signer(&keys, 10).unwrap().kid, "new");
        assert_eq!(kids(published(&keys, 10, 60_000)), ["new"]);
        assert!(signer(&keys[..1], 10).is_none());
    }

    #[test]
    fn a_fresh_key_encodes_for_signing() {
        assert!(encoding_key(&KeyRecord::generate(0, 0)).is_ok());
        assert!(encoding_key(&key("no private half", 0)).is_err());
    }
}
