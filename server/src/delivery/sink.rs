//! The delivery sink: every message also appended to one file in one
//! directory (`[delivery] sink_dir`, off by default), so a load benchmark
//! can read each code the way a person reads it from a mailbox.
//!
//! - The file is `<dir>/messages.jsonl` ([`LOG`]): one line per message, a
//!   JSON object with the dev outbox's fields (`to`, `channel`, `subject`,
//!   `body`, `code`, `link`, `sent_at`), in the order they were sent. A
//!   reader takes the newest line for an address.
//! - Each line is one `write` to the file opened for appending (mode
//!   0600), so a line is never split or interleaved, even with several
//!   servers on one directory; a reader that finds a last line without its
//!   newline has caught it being written and reads it again. The send
//!   waits for the write, so the line is there when the request answers.
//!   One file, not a file per message: creating a file (an inode) per
//!   message cost the server about a tenth of its CPU time under the load
//!   benchmark (docs/BENCHMARKS.md).
//! - It changes nothing else: limits, SMTP and dev mode behave as without
//!   it. Anyone who can read the directory can finish any sign-up, so the
//!   server warns at start; never set it where real people sign up.

use super::Message;
use anyhow::Context;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Arc;

/// The file's name in the directory.
pub const LOG: &str = "messages.jsonl";

/// The file every message is appended to.
#[derive(Clone, Debug)]
pub struct Sink {
    file: Arc<File>,
}

impl Sink {
    /// The sink appending to `dir`'s [`LOG`]; the directory is made (mode
    /// 0700) if missing, the file (mode 0600) too.
    pub fn open(dir: &Path) -> anyhow::Result<Sink> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("[delivery] sink_dir {}", dir.display()))?;
        let path = dir.join(LOG);
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("[delivery] sink_dir: opening {}", path.display()))?;
        tracing::warn!(
            file = %path.display(),
            "[delivery] sink_dir is set: every code and link is written to this file (for benchmarks only)"
        );
        Ok(Sink { file: Arc::new(file) })
    }

    /// Appends `message`, sent at `now_ms`, as one line. A few hundred
    /// bytes into the page cache (no sync): written here, not on a
    /// blocking thread.
    pub fn write(&self, message: &Message, now_ms: i64) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(&message.kept(now_ms)).context("the sink's JSON")?;
        line.push(b'\n');
        let written = (&*self.file).write(&line).context("appending to the sink")?;
        anyhow::ensure!(written == line.len(), "the sink took {written} of a line's {} bytes", line.len());
        Ok(())
    }
}
