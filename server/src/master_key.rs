//! The master key: the key-encryption key that seals the secrets the
//! database keeps (the session signing keys, the code HMAC key), so that a
//! copy of the database alone cannot mint a session JWT or test the 10^6
//! codes of a sign-up offline.
//!
//! It is never in the database. It comes from `GATEHOUSE_MASTER_KEY` (32
//! bytes, as 64 hex digits or base64), or else from a file beside the
//! database (`<database>.master-key`, mode 0600), made on first start; the
//! log says where. An in-memory database (`sqlite::memory:`) gets a fresh
//! key held in memory: its secrets end with the process anyway.
//!
//! A secret is sealed with XChaCha20-Poly1305 (a random 24-byte nonce per
//! seal) and its name as associated data, so a sealed value moved to
//! another row does not open.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The environment variable that carries the master key.
pub const ENV: &str = "GATEHOUSE_MASTER_KEY";
/// The version prefix of a sealed value.
const SEALED_PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The key-encryption key, and where it came from (for error messages).
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    source: String,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(*** from {})", self.source)
    }
}

impl MasterKey {
    /// A key written as 64 hex digits or as base64 (standard or URL-safe,
    /// padded or not) of 32 bytes.
    pub fn parse(text: &str, source: &str) -> anyhow::Result<MasterKey> {
        let text = text.trim();
        let bytes = crate::ids::unhex(text).filter(|b| b.len() == 32).or_else(|| {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(text).ok())
        });
        let key: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("{source}: the master key must be 32 bytes, as 64 hex digits or base64"))?;
        if key.iter().all(|b| *b == 0) {
            bail!("{source}: the master key is all zeros; make one with `openssl rand -hex 32`");
        }
        Ok(MasterKey { key, source: String::from(source) })
    }

    /// A fresh key from the OS CSPRNG.
    pub fn generate(source: &str) -> MasterKey {
        MasterKey { key: crate::ids::random_bytes::<32>(), source: String::from(source) }
    }

    /// Where the key came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }

    /// Seals `secret` under `name` (`v1.` and base64url of nonce and ciphertext).
    pub fn seal(&self, name: &str, secret: &[u8]) -> String {
        let nonce = crate::ids::random_bytes::<NONCE_LEN>();
        let sealed = self
            .cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: secret, aad: name.as_bytes() })
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed under `name`; a wrong key says so plainly.
    pub fn open(&self, name: &str, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .with_context(|| format!("the stored secret {name} is not a sealed value"))?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce length");
        self.cipher().decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: name.as_bytes() }).map_err(|_| {
            anyhow::anyhow!(
                "the master key from {} does not open the database's secret {name}: it is not the key this \
                     database was sealed with (set {ENV} to that key, or restore its key file)",
                self.source
            )
        })
    }

    /// The master key for the database at `url`: `given`, else
    /// `GATEHOUSE_MASTER_KEY`, else the key file beside the database (made
    /// if missing), else (in-memory database) a fresh key.
    pub fn resolve(given: Option<MasterKey>, database_file: Option<&Path>) -> anyhow::Result<MasterKey> {
        if let Some(key) = given {
            return Ok(key);
        }
        if let Ok(text) = std::env::var(ENV) {
            return MasterKey::parse(&text, ENV);
        }
        match database_file {
            Some(db) => from_file(&key_file(db)),
            None => {
                tracing::info!("in-memory database: its secrets are sealed with a master key held in memory only");
                Ok(MasterKey::generate("memory"))
            }
        }
    }
}

/// Where the key file of a database lives: `<database>.master-key`.
pub fn key_file(database_file: &Path) -> PathBuf {
    let mut name = database_file.as_os_str().to_owned();
    name.push(".master-key");
    PathBuf::from(name)
}

/// Reads the key file, or makes it (mode 0600) on first start.
fn from_file(path: &Path) -> anyhow::Result<MasterKey> {
    let source = path.display().to_string();
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            let key = MasterKey::generate(&source);
            file.write_all(format!("{}\n", crate::ids::hex(&key.key)).as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the master key file {source}"))?;
            tracing::warn!(
                path = source,
                "made a new master key file; keep it with the database (and back it up apart from it), or set {ENV} instead"
            );
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            restrict(path)?;
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading the master key file {source}"))?;
            let key = MasterKey::parse(&text, &source)?;
            tracing::info!(path = source, "master key read from its file");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("creating the master key file {source}")),
    }
}

/// Makes a secret file readable by its owner only (0600), if it was more open.
pub fn restrict(path: &Path) -> anyhow::Result<()> {
    let mode = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("making {} private (mode 0600)", path.display()))?;
        let old_mode = format!("{:o}", mode & 0o777);
        tracing::warn!(path = %path.display(), old_mode, "made the file private (mode 0600)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_name_only() {
        let key = MasterKey::generate("test");
        let sealed = key.seal("server_secrets/code_hmac_key", b"the secret");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("the secret"));
        assert_eq!(key.open("server_secrets/code_hmac_key", &sealed).unwrap(), b"the secret");
        assert_ne!(sealed, key.seal("server_secrets/code_hmac_key", b"the secret"), "a fresh nonce each time");
        assert!(key.open("signing_keys/other", &sealed).is_err(), "the name is bound");
        let other = MasterKey::generate("elsewhere");
        let e = other.open("server_secrets/code_hmac_key", &sealed).unwrap_err().to_string();
        assert!(e.contains("not the key this database was sealed with") && e.contains("elsewhere"), "{e}");
        assert!(key.open("x", "deadbeef").is_err());
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let from_hex = MasterKey::parse(hex, "env").unwrap();
        let from_b64 = MasterKey::parse(&STANDARD.encode(from_hex.key), "env").unwrap();
        assert_eq!(from_hex.key, from_b64.key);
        assert!(MasterKey::parse("too short", "env").unwrap_err().to_string().contains("32 bytes"));
        assert!(MasterKey::parse(&hex[..62], "env").is_err());
        assert!(!format!("{from_hex:?}").contains("0011"));
        assert!(MasterKey::parse(&"0".repeat(64), "env").is_err());
    }

    #[test]
    fn the_key_file_is_made_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        let path = key_file(&db);
        let first = from_file(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let again = from_file(&path).unwrap();
        assert_eq!(first.key, again.key);
        assert_eq!(again.source(), path.display().to_string());
        // Given a key, no file is made or read.
        let given = MasterKey::generate("test");
        assert_eq!(MasterKey::resolve(Some(given.clone()), Some(&dir.path().join("other.db"))).unwrap().key, given.key);
        assert!(!key_file(&dir.path().join("other.db")).exists());
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
