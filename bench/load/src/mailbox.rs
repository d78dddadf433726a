//! The messages the server's delivery sink (`[delivery] sink_dir`) wrote:
//! one JSON object a line in `<dir>/messages.jsonl`, in the order sent
//! (every node of a run appends to the same file). The mailbox reads the
//! file as it grows and keeps each address's newest message until a
//! worker takes it.

use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a message may take to appear after the request that sent it
/// answered (the server writes it before answering: this is slack).
const PATIENCE: Duration = Duration::from_secs(2);

/// The sink's file, read so far, and the messages not yet taken.
pub struct Mailbox {
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    /// Bytes read past the last whole line.
    partial: Vec<u8>,
    by_address: HashMap<String, Value>,
}

impl Mailbox {
    /// The mailbox of the sink in `dir`, from the file's start.
    pub fn open(dir: &Path) -> std::io::Result<Mailbox> {
        let file = File::open(dir.join("messages.jsonl"))?;
        Ok(Mailbox { inner: Mutex::new(Inner { file, partial: Vec::new(), by_address: HashMap::new() }) })
    }

    /// Takes the newest message to `address`, waiting for it up to
    /// [`PATIENCE`].
    pub async fn take(&self, address: &str) -> Option<Value> {
        let give_up = Instant::now() + PATIENCE;
        loop {
            if let Some(message) = self.inner.lock().ok()?.take(address) {
                return Some(message);
            }
            if Instant::now() >= give_up {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

impl Inner {
    /// Reads what was appended since the last read (a few hundred bytes a
    /// message on a local disk: read in place, as a mail client would),
    /// then takes `address`'s message if it is there.
    fn take(&mut self, address: &str) -> Option<Value> {
        if let Some(message) = self.by_address.remove(address) {
            return Some(message);
        }
        let before = self.partial.len();
        if self.file.read_to_end(&mut self.partial).ok()? == 0 && before == self.partial.len() {
            return None;
        }
        let whole = self.partial.iter().rposition(|&b| b == b'\n').map_or(0, |end| end + 1);
        for line in self.partial[..whole].split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
            if let Ok(message) = serde_json::from_slice::<Value>(line)
                && let Some(to) = message["to"].as_str()
            {
                self.by_address.insert(to.to_owned(), message);
            }
        }
        self.partial.drain(..whole);
        self.by_address.remove(address)
    }
}

/// The code a message carries.
pub fn code(message: &Value) -> Option<String> {
    message["code"].as_str().map(str::to_owned)
}

/// The `token` of the link a message carries.
pub fn link_token(message: &Value) -> Option<String> {
    let link = message["link"].as_str()?;
    let query = link.split_once('?')?.1;
    query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Write;

    #[test]
    fn the_token_is_read_from_the_link() {
        let m = json!({ "link": "http://127.0.0.1:1/v1/verify?token=abc_123" });
        assert_eq!(link_token(&m).as_deref(), Some("abc_123"));
        assert_eq!(link_token(&json!({ "code": "123456" })), None);
    }

    #[tokio::test]
    async fn messages_are_taken_by_address_once_their_line_is_whole() {
        let dir = std::env::temp_dir().join(format!("gatehouse-mailbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut file = File::create(dir.join("messages.jsonl")).unwrap();
        let mailbox = Mailbox::open(&dir).unwrap();
        file.write_all(b"{\"to\":\"a@x\",\"code\":\"111111\"}\n{\"to\":\"b@x\",\"code\":\"2222").unwrap();
        assert_eq!(mailbox.take("a@x").await.as_ref().and_then(code).as_deref(), Some("111111"));
        // b's line is not whole yet; a's message was taken.
        assert!(mailbox.inner.lock().unwrap().take("b@x").is_none());
        assert!(mailbox.inner.lock().unwrap().take("a@x").is_none());
        file.write_all(b"22\"}\n{\"to\":\"b@x\",\"code\":\"333333\"}\n").unwrap();
        // The newest message to an address is the one kept.
        assert_eq!(mailbox.take("b@x").await.as_ref().and_then(code).as_deref(), Some("333333"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
