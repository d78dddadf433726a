//! A session signing key as stored: an Ed25519 key pair, named by its
//! RFC 7638 thumbprint. Which key signs, and which the JWKS lists, is
//! `crate::session::keys`'s.

use crate::ids;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

/// One signing key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub kid: String,
    /// The public key, base64url (the JWK's `x`).
    pub public_key: String,
    /// The 32-byte seed in hex; `None` once the key can no longer sign.
    pub private_key: Option<String>,
    pub created_at: i64,
    pub active_from: i64,
    pub withdrawn_at: Option<i64>,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("kid", &self.kid)
            .field("active_from", &self.active_from)
            .field("withdrawn_at", &self.withdrawn_at)
            .finish_non_exhaustive()
    }
}

impl KeyRecord {
    /// A fresh key from the OS CSPRNG that signs from `active_from`.
    pub fn generate(now: i64, active_from: i64) -> KeyRecord {
        let seed = ids::random_bytes::<32>();
        let public_key = URL_SAFE_NO_PAD.encode(SigningKey::from_bytes(&seed).verifying_key().as_bytes());
        KeyRecord {
            kid: thumbprint(&public_key),
            public_key,
            private_key: Some(ids::hex(&seed)),
            created_at: now,
            active_from,
            withdrawn_at: None,
        }
    }
}

/// The RFC 7638 thumbprint of an Ed25519 public key (base64url of the
/// SHA-256 of its required members in lexical order).
pub fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037, appendix A.3.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        let k = KeyRecord::generate(0, 0);
        assert_eq!(k.kid, thumbprint(&k.public_key));
        assert!(!format!("{k:?}").contains(k.private_key.as_deref().unwrap()));
    }
}
