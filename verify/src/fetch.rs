//! One GET of the JWKS (hyper's client over rustls), read into the
//! Ed25519 keys it lists by `kid`. Bounded in time and size.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The keys of a set, by `kid`.
pub(crate) type KeySet = HashMap<String, Arc<DecodingKey>>;

/// The HTTP client; `None` when TLS could not be set up (every fetch then fails).
pub(crate) type Client = Option<HyperClient<HttpsConnector<HttpConnector>, Empty<Bytes>>>;

/// The largest key set read.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// A client for `https://` (the Mozilla roots, ring) and plain `http://`.
pub(crate) fn client() -> Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .ok()?
        .https_or_http()
        .enable_http1()
        .build();
    Some(HyperClient::builder(TokioExecutor::new()).build(connector))
}

/// Fetches and reads the key set at `url`.
pub(crate) async fn key_set(client: &Client, url: &str, timeout: Duration) -> Result<KeySet, String> {
    let client = client.as_ref().ok_or("no TLS client")?;
    let uri: hyper::Uri = url.parse().map_err(|e| format!("the JWKS URL: {e}"))?;
    let request = async {
        let response = client.get(uri).await.map_err(|e| format!("fetching the JWKS: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the JWKS answered {}", response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the JWKS: {e}"))?;
        parse(&body.to_bytes())
    };
    tokio::time::timeout(timeout, request).await.map_err(|_| String::from("the JWKS timed out"))?
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

/// The members of a JWK that matter here; others are ignored.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    crv: Option<String>,
    x: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
}

/// The Ed25519 signing keys of a JWKS document; keys of any other kind
/// are left out, so no token can be checked with them.
fn parse(body: &[u8]) -> Result<KeySet, String> {
    let jwks: Jwks = serde_json::from_slice(body).map_err(|e| format!("the JWKS is not a key set: {e}"))?;
    let mut keys = KeySet::new();
    for jwk in jwks.keys {
        let ed25519 = jwk.kty == "OKP" && jwk.crv.as_deref() == Some("Ed25519");
        let for_eddsa = jwk.alg.as_deref().is_none_or(|alg| alg == "EdDSA");
        let for_signing = jwk.use_.as_deref().is_none_or(|u| u == "sig");
        let (Some(kid), Some(x)) = (jwk.kid, jwk.x) else { continue };
        if !(ed25519 && for_eddsa && for_signing) {
            continue;
        }
        let Ok(key) = DecodingKey::from_ed_components(&x) else { continue };
        if key.try_get_as_bytes().is_ok_and(|bytes| bytes.len() == 32) {
            keys.insert(kid, Arc::new(key));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ed25519_signing_keys_are_kept() {
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let body = serde_json::json!({ "keys": [
            { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "good", "alg": "EdDSA", "use": "sig" },
            { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "bare" },
            { "kty": "oct", "k": x, "kid": "hmac" },
            { "kty": "OKP", "crv": "X25519", "x": x, "kid": "x25519" },
            { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "enc", "use": "enc" },
            { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "rs", "alg": "RS256" },
            { "kty": "OKP", "crv": "Ed25519", "x": "c2hvcnQ", "kid": "short" },
            { "kty": "OKP", "crv": "Ed25519", "x": x }
        ]});
        let keys = parse(body.to_string().as_bytes()).unwrap();
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, ["bare", "good"]);
        assert!(parse(b"{\"keys\": 3}").is_err());
        assert!(parse(b"<html>").is_err());
    }
}
