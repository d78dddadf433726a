//! The delivery sink: every message also written to a file in one
//! directory (`[delivery] sink_dir`, off by default), so a load benchmark
//! can read each code the way a person reads it from a mailbox.
//!
//! - Each message becomes `<dir>/<address>`: the address with every byte
//!   outside `A-Z a-z 0-9 @ _ + -` and `.` (but a leading one) written
//!   `%XX`, holding one JSON object with the dev outbox's fields (`to`,
//!   `channel`, `subject`, `body`, `code`, `link`, `sent_at`). A newer
//!   message to the same address replaces the file.
//! - It is written under a temporary name (starting with `.`) and renamed,
//!   so a reader never sees half a message, with mode 0600, on a blocking
//!   thread; the send waits for it, so the file is there when the request
//!   answers.
//! - It changes nothing else: limits, SMTP and dev mode behave as without
//!   it. Anyone who can read the directory can finish any sign-up, so the
//!   server warns at start; never set it where real people sign up.

use super::Message;
use anyhow::Context;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A directory every message is written to.
#[derive(Clone, Debug)]
pub struct Sink {
    dir: PathBuf,
}

impl Sink {
    /// The sink writing into `dir`, made (mode 0700) if missing.
    pub fn open(dir: &Path) -> anyhow::Result<Sink> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("[delivery] sink_dir {}", dir.display()))?;
        tracing::warn!(
            dir = %dir.display(),
            "[delivery] sink_dir is set: every code and link is written to this directory (for benchmarks only)"
        );
        Ok(Sink { dir: dir.to_owned() })
    }

    /// Writes `message`, sent at `now_ms`, to its address's file.
    pub async fn write(&self, message: &Message, now_ms: i64) -> anyhow::Result<()> {
        let kept = message.kept(now_ms);
        let json = serde_json::to_vec(&kept).context("the sink's JSON")?;
        let name = file_name(&message.to);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &json))
            .await
            .context("the sink's write task")?
    }
}

/// Writes `.<name>.<random>` and renames it to `name`.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = dir.join(format!(".{name}.{}", crate::ids::hex(&crate::ids::random_bytes::<6>())));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", temporary.display()))?;
    drop(file);
    std::fs::rename(&temporary, dir.join(name)).with_context(|| format!("renaming {}", temporary.display()))
}

/// The file name of an address: safe on any file system, one per address.
pub fn file_name(address: &str) -> String {
    let mut name = String::with_capacity(address.len());
    for (i, byte) in address.bytes().enumerate() {
        let plain =
            byte.is_ascii_alphanumeric() || matches!(byte, b'@' | b'_' | b'+' | b'-') || (byte == b'.' && i > 0);
        if plain {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_plain_addresses_and_escape_the_rest() {
        assert_eq!(file_name("ana.b+x@example.com"), "ana.b+x@example.com");
        assert_eq!(file_name("+15555550100"), "+15555550100");
        assert_eq!(file_name("../a/b@c"), "%2E.%2Fa%2Fb@c");
        assert_eq!(file_name(".hidden@x"), "%2Ehidden@x");
    }
}
