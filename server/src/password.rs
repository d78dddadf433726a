//! Password hashing: argon2id with the OWASP parameters (m = 19 MiB, t = 2,
//! p = 1), on a blocking thread so a hash never stalls the async workers.
//!
//! Hashes imported from other systems (admin API `password_digest`) are
//! verified as they are: bcrypt `$2a$`, `$2b$`, `$2y$` at any cost, and
//! argon2 PHC strings with their own parameters. [`needs_rehash`] tells
//! sign-in to replace them with the server's own after the first success.

use anyhow::Context;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::cell::Cell;
use std::sync::OnceLock;

/// The start of every hash the server makes itself.
const OWN_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";
/// The most memory an imported argon2 hash may ask for, in KiB (1 GiB):
/// each sign-in against it would take that much.
const MAX_IMPORTED_M_COST: u32 = 1024 * 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("the OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password)).await.context("the password hashing task failed")?
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Whether `password` matches a stored hash (ours or an imported one).
pub async fn verify(password: String, stored: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || verify_now(&password, &stored))
        .await
        .context("the password checking task failed")?
}

fn verify_now(password: &str, stored: &str) -> anyhow::Result<bool> {
    if is_bcrypt(stored) {
        return bcrypt::verify(password, stored).map_err(|e| anyhow::anyhow!("stored bcrypt hash: {e}"));
    }
    let parsed = PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
    Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of no one's password, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("gatehouse dummy password").unwrap_or_default())
}

/// Makes the dummy hash ahead of the first sign-in (at start), so even the
/// first unknown identifier takes as long as a known one.
pub async fn warm_up() {
    if let Err(e) = tokio::task::spawn_blocking(dummy_hash).await {
        tracing::error!(error = %e, "making the dummy password hash failed");
    }
}

thread_local! {
    /// Dummy checks started on this thread (see [`dummy_checks_on_this_thread`]).
    static DUMMY_CHECKS: Cell<u64> = const { Cell::new(0) };
}

/// How many dummy checks were started on this thread. For tests: a test on
/// a current-thread runtime serves its app on that same thread, so this
/// counts its own requests' dummy checks and no other test's; that is how
/// the suite shows an unknown identifier pays for a check (not by timing).
pub fn dummy_checks_on_this_thread() -> u64 {
    DUMMY_CHECKS.with(Cell::get)
}

/// Spends the time of one check for a password that has no account to
/// check against, so an unknown identifier answers as slowly as a known one.
pub async fn verify_dummy(password: String) {
    DUMMY_CHECKS.with(|count| count.set(count.get() + 1));
    let result = tokio::task::spawn_blocking(move || {
        let _ = verify_now(&password, dummy_hash());
    })
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "the dummy password check failed");
    }
}

/// Whether a stored hash is not one the server would make today.
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(OWN_PREFIX)
}

fn is_bcrypt(digest: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| digest.starts_with(p))
}

/// Checks an imported digest; answers it as it will be stored, or why not.
pub fn parse_digest(digest: &str) -> Result<String, &'static str> {
    let digest = digest.trim();
    if is_bcrypt(digest) {
        let parts: bcrypt::HashParts = digest.parse().map_err(|_| "This is not a valid bcrypt hash.")?;
        if !(4..=31).contains(&parts.get_cost()) {
            return Err("The bcrypt cost must be between 4 and 31.");
        }
        return Ok(String::from(digest));
    }
    if digest.starts_with("$2") {
        return Err("Only the bcrypt versions $2a$, $2b$ and $2y$ are accepted.");
    }
    let parsed = PasswordHash::new(digest).map_err(|_| "Use a bcrypt hash or an argon2 PHC string.")?;
    if Algorithm::try_from(parsed.algorithm.as_str()).is_err() {
        return Err("Use a bcrypt hash or an argon2 PHC string.");
    }
    let params = Params::try_from(&parsed).map_err(|_| "The argon2 parameters are not valid.")?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err("The argon2 string lacks its salt or hash.");
    }
    if params.m_cost() > MAX_IMPORTED_M_COST {
        return Err("The argon2 memory cost may be at most 1 GiB (m=1048576).");
    }
    Ok(String::from(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let phc = hash(String::from("correct horse")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(String::from("correct horse"), phc.clone()).await.unwrap());
        assert!(!verify(String::from("wrong horse"), phc.clone()).await.unwrap());
        assert!(!needs_rehash(&phc));
    }

    #[tokio::test]
    async fn imported_bcrypt_and_argon2_hashes_verify_and_need_a_rehash() {
        let b = bcrypt::hash("C3rs3i#L4nnist3r", 4).unwrap();
        for version in ["$2a$", "$2b$", "$2y$"] {
            let digest = b.replacen("$2b$", version, 1);
            assert_eq!(parse_digest(&digest).unwrap(), digest);
            assert!(verify(String::from("C3rs3i#L4nnist3r"), digest.clone()).await.unwrap());
            assert!(!verify(String::from("c3rs3i#L4nnist3r"), digest.clone()).await.unwrap());
            assert!(needs_rehash(&digest));
        }
        let params = Params::new(8, 1, 1, None).unwrap();
        let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(b"pw-123456").unwrap().to_string();
        assert_eq!(parse_digest(&light).unwrap(), light);
        assert!(verify(String::from("pw-123456"), light.clone()).await.unwrap());
        assert!(needs_rehash(&light));
    }

    #[test]
    fn malformed_digests_are_refused() {
        let b = bcrypt::hash("x", 4).unwrap();
        for bad in [
            String::from(""),
            String::from("plain text"),
            b.replacen("$2b$", "$2x$", 1),
            b[..50].to_owned(),
            b.replacen("$04$", "$99$", 1),
            String::from("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"),
            String::from("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"),
            String::from("$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA"),
        ] {
            assert!(parse_digest(&bad).is_err(), "{bad}");
        }
    }
}
