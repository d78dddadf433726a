//! Random identifiers and tokens from the OS CSPRNG, and their hashes.
//!
//! Resource ids are a prefix and 26 lower-case base32 characters (128 bits):
//! `su_`, `user_`, `sess_`, `client_`. Client tokens carry 256 bits and are
//! stored only as their SHA-256, so a leaked database cannot act as a client;
//! email link tokens likewise (in base64url).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `n` bytes from the operating system's CSPRNG.
///
/// Panics if the OS has no entropy source: nothing in the server can be
/// made safe without one, so it is better to stop than to go on.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A new resource id such as `su_3f7k...` (`prefix` without the underscore).
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    id.push_str(&base32(&random_bytes::<16>()));
    id
}

/// A new client token: 256 random bits, base32 (52 characters).
pub fn new_token() -> String {
    base32(&random_bytes::<32>())
}

/// The SHA-256 of a token, in hex: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Parses lower- or upper-case hex; `None` if it is not hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// RFC 4648 base64url, without padding.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 4648 base32 in lower case, without padding.
fn base32(bytes: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_26_base32_chars() {
        let id = new_id("su");
        let rest = id.strip_prefix("su_").unwrap();
        assert_eq!(rest.len(), 26);
        assert!(rest.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
        assert_ne!(new_id("su"), id);
    }

    #[test]
    fn tokens_carry_256_bits() {
        assert_eq!(new_token().len(), 52);
    }

    #[test]
    fn base64url_matches_rfc4648() {
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(&[0; 32]).len(), 43);
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(b"f"), "my");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abff").unwrap(), vec![0, 0xab, 0xff]);
        assert!(unhex("0g").is_none() && unhex("abc").is_none());
        assert_eq!(token_hash("abc").len(), 64);
    }
}
