//! The signature Standard Webhooks specifies: `webhook-signature` is
//! `v1,` and the base64 of the HMAC-SHA256, keyed with the endpoint's
//! secret (the bytes after `whsec_`, base64-decoded), of
//! `{webhook-id}.{webhook-timestamp}.{body}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The headers of one signed request.
pub struct Signed {
    pub id: String,
    /// Unix seconds.
    pub timestamp: i64,
    pub signature: String,
}

/// Signs `body` as message `id` sent at `timestamp` (Unix seconds) with
/// `key` (the decoded secret).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Signed {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    Signed { id: String::from(id), timestamp, signature }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (and of its
    /// reference libraries' tests).
    #[test]
    fn the_specification_example_signs_the_same() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signed = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signed.signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
