//! Verification codes: made by the OS CSPRNG, kept only as an HMAC, checked
//! in constant time.
//!
//! The HMAC key is a server secret made on first start and kept in the
//! database (`server_secrets`), so every node of one deployment checks the
//! codes of every other. The MAC binds a code to its sign-up and field: a
//! code sent for one sign-up is useless for any other.

use crate::ids;
use gatehouse_protocol::Field;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;

/// A fresh 6-digit code, uniform over 000000..=999999.
pub fn generate() -> String {
    const SPAN: u32 = 1_000_000;
    // Reject the top sliver of u32 so every code is equally likely.
    const LIMIT: u32 = u32::MAX - u32::MAX % SPAN;
    loop {
        let n = u32::from_le_bytes(ids::random_bytes::<4>());
        if n < LIMIT {
            return format!("{:06}", n % SPAN);
        }
    }
}

/// The name a backup code's HMAC is made under, in place of a field's.
const BACKUP_CODE: &str = "backup_code";

/// The key that hashes codes.
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey(***)")
    }
}

impl CodeKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        CodeKey(bytes)
    }

    /// The key itself, for the test that looks for it in the database file.
    #[cfg(test)]
    pub(crate) fn raw(&self) -> [u8; 32] {
        self.0
    }

    fn mac(&self, sign_up_id: &str, field: &str, code: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        // Lengths first, so no two (id, field, code) triples share an input.
        for part in [sign_up_id, field, code] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    /// What the database keeps for a code: its HMAC, in hex.
    pub fn hash(&self, sign_up_id: &str, field: Field, code: &str) -> String {
        ids::hex(&self.mac(sign_up_id, field.as_str(), code))
    }

    /// What the database keeps for a user's backup code: its HMAC, bound
    /// to the user (no field name is `backup_code`, so no verification
    /// code's hash is ever one of these).
    pub fn hash_backup_code(&self, user_id: &str, code: &str) -> String {
        ids::hex(&self.mac(user_id, BACKUP_CODE, code))
    }

    /// Whether `code` is the user's backup code whose hash was stored, in constant time.
    pub fn matches_backup_code(&self, stored: &str, user_id: &str, code: &str) -> bool {
        let Some(stored) = ids::unhex(stored) else { return false };
        bool::from(self.mac(user_id, BACKUP_CODE, code).as_slice().ct_eq(stored.as_slice()))
    }

    /// Whether `code` is the one whose hash was stored, in constant time.
    pub fn matches(&self, stored: &str, sign_up_id: &str, field: Field, code: &str) -> bool {
        let Some(stored) = ids::unhex(stored) else { return false };
        let candidate = self.mac(sign_up_id, field.as_str(), code);
        bool::from(candidate.as_slice().ct_eq(stored.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..50).map(|_| generate()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        assert!(codes.iter().any(|c| c != &codes[0]));
    }

    #[test]
    fn a_hash_matches_its_code_only() {
        let key = CodeKey::new([7; 32]);
        let stored = key.hash("su_1", Field::EmailAddress, "123456");
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains("123456"));
        assert!(key.matches(&stored, "su_1", Field::EmailAddress, "123456"));
        assert!(!key.matches(&stored, "su_1", Field::EmailAddress, "123457"));
        assert!(!key.matches(&stored, "su_2", Field::EmailAddress, "123456"));
        assert!(!key.matches(&stored, "su_1", Field::PhoneNumber, "123456"));
        assert!(!CodeKey::new([8; 32]).matches(&stored, "su_1", Field::EmailAddress, "123456"));
        assert!(!key.matches("not hex", "su_1", Field::EmailAddress, "123456"));
    }
}
