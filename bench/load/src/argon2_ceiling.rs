//! The hashing ceiling: argon2id hashes per second on every core, with the
//! server's parameters (m = 19 MiB, t = 2, p = 1; `server/src/password.rs`,
//! and a test below holds the two equal), each thread reusing its memory
//! as the server's hashing slots do. Nothing else runs: no HTTP, no
//! database, so a password sign-up's rate divided by this is what the rest
//! of the server costs.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::time::{Duration, Instant};

/// The server's argon2id parameters.
pub fn params() -> Params {
    Params::new(19_456, 2, 1, None).expect("valid argon2 parameters")
}

/// Hashes on `threads` threads for `duration`; answers (hashes, seconds).
pub fn measure(threads: usize, duration: Duration) -> (u64, f64) {
    let started = Instant::now();
    let end = started + duration;
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            std::thread::spawn(move || {
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
                let mut memory = vec![Block::default(); params().block_count()];
                let mut out = [0u8; 32];
                let mut done = 0u64;
                // At least one hash each, however short the run.
                loop {
                    let mut salt = [0u8; 16];
                    salt[..8].copy_from_slice(&done.to_le_bytes());
                    salt[8..].copy_from_slice(&(thread as u64).to_le_bytes());
                    argon2
                        .hash_password_into_with_memory(
                            b"correct horse battery staple 42",
                            &salt,
                            &mut out,
                            &mut memory,
                        )
                        .expect("argon2 hashes");
                    done += 1;
                    if Instant::now() >= end {
                        break;
                    }
                }
                done
            })
        })
        .collect();
    let hashes = workers.into_iter().map(|w| w.join().expect("a hashing thread")).sum();
    (hashes, started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::phc::{ParamsString, PasswordHash};
    use gatehouse_server::config::PasswordHashing;
    use gatehouse_server::password::Hasher;

    /// The ceiling hashes exactly as the server does: same algorithm,
    /// version and parameters as a hash the server makes.
    #[tokio::test]
    async fn the_parameters_are_the_servers() {
        let hasher = Hasher::new(PasswordHashing { max_concurrent: 1, max_wait_ms: 1000 });
        let stored = hasher.hash(String::from("correct horse battery")).await.unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        assert_eq!(parsed.version, Some(Version::V0x13.into()));
        assert_eq!(parsed.params, ParamsString::try_from(&params()).unwrap());
    }

    #[test]
    fn a_short_run_hashes() {
        let (hashes, seconds) = measure(1, Duration::from_millis(1));
        assert!(hashes >= 1 && seconds > 0.0);
    }
}
