//! Identifiers and tokens from the OS CSPRNG, and their hashes.
//!
//! Resource ids are a prefix and 26 lower-case base32 characters (128 bits):
//! `su_`, `user_`, `sess_`, `client_`. The first 48 bits are the time in
//! milliseconds and the other 80 are random, as in a ULID, so ids sort by
//! when they were made: a table's new rows and their keys' index entries go
//! to the last pages of each B-tree, which the rows made beside them share,
//! instead of a random page each (issue 10: the WAL frames a flow writes).
//!
//! Client tokens carry 256 random bits and are stored only as their
//! SHA-256, so a leaked database cannot act as a client; email link tokens
//! likewise (in base64url).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// `n` bytes from the operating system's CSPRNG.
///
/// Panics if the OS has no entropy source: nothing in the server can be
/// made safe without one, so it is better to stop than to go on.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A new resource id such as `su_01kbw3...` (`prefix` without the underscore):
/// the current time in milliseconds (48 bits) and 80 random bits, in
/// Crockford's base32 alphabet, whose lower case sorts as its values do.
pub fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis());
    let mut bits = [0u8; 16];
    bits[..6].copy_from_slice(&(millis as u64).to_be_bytes()[2..]);
    bits[6..].copy_from_slice(&random_bytes::<10>());
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    id.push_str(&base32::encode(base32::Alphabet::Crockford, &bits).to_ascii_lowercase());
    id
}

/// A new client token: 256 random bits, base32 (52 characters).
pub fn new_token() -> String {
    base32_rfc4648(&random_bytes::<32>())
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
fn base32_rfc4648(bytes: &[u8]) -> String {
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
        assert!(rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        assert_ne!(new_id("su"), id);
    }

    /// The milliseconds an id was made at, read back from its first 48 bits.
    fn made_at(id: &str) -> u64 {
        let (_, encoded) = id.split_once('_').unwrap();
        let bits = base32::decode(base32::Alphabet::Crockford, &encoded.to_ascii_uppercase()).unwrap();
        bits[..6].iter().fold(0, |ms, &byte| ms << 8 | u64::from(byte))
    }

    fn now_ms() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
    }

    #[test]
    fn ids_carry_the_time_they_were_made_and_sort_by_it() {
        let before = now_ms();
        let first = new_id("su");
        assert!((before..=now_ms()).contains(&made_at(&first)), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let made: Vec<String> = (0..1000).map(|_| new_id("su")).collect();
        assert!(made.iter().all(|id| *id > first), "an id made later sorts before an earlier one");
        let distinct: std::collections::HashSet<_> = made.iter().collect();
        assert_eq!(distinct.len(), made.len(), "ids of one millisecond differ in their 80 random bits");
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
        assert_eq!(base32_rfc4648(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32_rfc4648(b"f"), "my");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abff").unwrap(), vec![0, 0xab, 0xff]);
        assert!(unhex("0g").is_none() && unhex("abc").is_none());
        assert_eq!(token_hash("abc").len(), 64);
    }
}
