//! The messages the server's delivery sink (`[delivery] sink_dir`) wrote:
//! one JSON file per address, named after it (the addresses made here
//! need no escaping: letters, digits, `-`, `@` and `.`).

use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a message may take to appear after the request that sent it
/// answered (the server writes it before answering: this is slack).
const PATIENCE: Duration = Duration::from_secs(2);

/// Takes the message to `address`: reads it and removes the file.
pub async fn take(dir: &Path, address: &str) -> Option<Value> {
    let path = dir.join(address);
    let give_up = Instant::now() + PATIENCE;
    loop {
        // A few hundred bytes on a local disk: read in place, as a mail
        // client would, not through tokio's blocking pool.
        match std::fs::read(&path) {
            Ok(bytes) => {
                let _ = std::fs::remove_file(&path);
                return serde_json::from_slice(&bytes).ok();
            }
            Err(_) if Instant::now() < give_up => tokio::time::sleep(Duration::from_millis(1)).await,
            Err(_) => return None,
        }
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

    #[test]
    fn the_token_is_read_from_the_link() {
        let m = json!({ "link": "http://127.0.0.1:1/v1/verify?token=abc_123" });
        assert_eq!(link_token(&m).as_deref(), Some("abc_123"));
        assert_eq!(link_token(&json!({ "code": "123456" })), None);
    }
}
