//! The TOTP second factor (RFC 6238, through `totp-rs`): SHA-1, 6 digits,
//! 30 s steps, a code of the step before or after the server's accepted
//! (clock drift), never a code of a step already used.
//!
//! - this file: the secret, its `otpauth://` URI and which step a code is of;
//! - [`backup_codes`]: the ten one-time codes made when TOTP is turned on;
//! - [`check`]: checking a second factor's code for a user, under the
//!   limit on wrong codes, in the caller's transaction (enrolment and
//!   sign-in alike);
//! - [`handlers`]: enrolment for a signed-in user, under
//!   `/v1/client/sessions/{id}/totp`: create (pending), verify (turns it
//!   on, answers the backup codes), disable.
//!
//! The secret is kept sealed with the master key (`crate::db`), the
//! backup codes as HMACs with the code key (`crate::codes`).

pub mod backup_codes;
pub mod check;
pub mod handlers;

use totp_rs::{Algorithm, TOTP};

/// Seconds per step.
const STEP_SECONDS: i64 = 30;
/// Digits per code.
const DIGITS: usize = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends for SHA-1).
const SECRET_BYTES: usize = 20;
/// Steps of drift accepted on either side of the server's.
const DRIFT_STEPS: i64 = 1;

/// A new secret from the OS CSPRNG.
pub fn new_secret() -> Vec<u8> {
    crate::ids::random_bytes::<SECRET_BYTES>().to_vec()
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> TOTP {
    // A colon separates the issuer from the account in the URI's label.
    let clean = |s: &str| s.replace(':', " ");
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS.unsigned_abs(),
        secret.to_vec(),
        Some(clean(issuer)),
        clean(account),
    )
}

/// The secret in base32 (for typing into an app) and as an
/// `otpauth://totp/...` URI (for a QR code), issued by `issuer` to `account`.
pub fn shown(secret: &[u8], issuer: &str, account: &str) -> (String, String) {
    let totp = totp(secret, issuer, account);
    (totp.get_secret_base32(), totp.get_url())
}

/// The step of the time `now_ms` (epoch milliseconds).
pub fn step_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// The step `code` is the code of, among the server's step and one on
/// either side, compared in constant time; `None`: none of them.
pub fn matching_step(secret: &[u8], code: &str, now_ms: i64) -> Option<i64> {
    use subtle::ConstantTimeEq;
    let totp = totp(secret, "", "");
    let now = step_of(now_ms);
    let mut found = None;
    for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
        let Ok(time) = u64::try_from(step * STEP_SECONDS) else { continue };
        if bool::from(totp.generate(time).as_bytes().ct_eq(code.as_bytes())) {
            found = found.or(Some(step));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret and vectors (the last 6 of the 8 digits).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_follow_the_rfc_6238_vectors() {
        for (seconds, code) in [(59, "287082"), (1_111_111_109, "081804"), (2_000_000_000, "279037")] {
            let ms = seconds * 1000;
            assert_eq!(matching_step(RFC_SECRET, code, ms), Some(step_of(ms)));
        }
    }

    #[test]
    fn one_step_of_drift_is_accepted_two_are_not() {
        let ms = 1_111_111_109_000;
        let code = "081804";
        for (offset, accepted) in [(-60_000, false), (-30_000, true), (30_000, true), (60_000, false)] {
            assert_eq!(matching_step(RFC_SECRET, code, ms + offset).is_some(), accepted, "{offset}");
        }
        assert_eq!(matching_step(RFC_SECRET, "000000", ms), None);
    }

    #[test]
    fn the_uri_names_the_issuer_and_account_and_carries_the_secret() {
        let (secret, uri) = shown(RFC_SECRET, "Acme: Inc", "ana@example.com");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(
            uri.starts_with("otpauth://totp/Acme%20%20Inc:ana%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        );
        assert!(uri.contains("issuer=Acme%20%20Inc"));
    }
}
