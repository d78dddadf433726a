//! Backup codes: ten one-time codes a user keeps for when their
//! authenticator app is gone, made when TOTP is turned on. Each is 10
//! characters of `a-z0-9` less the look-alikes (about 49 bits), from the
//! OS CSPRNG; the server keeps only their HMACs (`crate::codes`).

/// How many a user gets.
pub const COUNT: usize = 10;
/// The characters they are made of (no `0`, `1`, `l`, `o`).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Ten fresh backup codes.
pub fn generate() -> Vec<String> {
    (0..COUNT).map(|_| one()).collect()
}

fn one() -> String {
    // 32 characters: each random byte's low 5 bits pick one, uniformly.
    let bytes = crate::ids::random_bytes::<{ gatehouse_protocol::validate::BACKUP_CODE_LENGTH }>();
    bytes.iter().map(|b| char::from(ALPHABET[usize::from(b & 31)])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_codes_that_pass_the_backup_code_rule_and_differ() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(gatehouse_protocol::validate::second_factor_code(code, true).unwrap(), *code);
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
    }
}
