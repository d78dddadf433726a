//! Session JWTs checked the way a relying party would, with a library the
//! server does not sign with: `ring`'s Ed25519 (the server signs through
//! jsonwebtoken over ed25519-dalek), over the `x` of the JWKS key named
//! by the token's `kid`. The JWT itself is split and decoded by hand.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

fn decode_json(part: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Verifies `jwt` against `jwks`; answers its header and claims, or why not.
pub fn check(jwt: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [head, body, sig] = parts[..] else { return Err(format!("not a compact JWS: {jwt}")) };
    let header = decode_json(head)?;
    if header["alg"] != "EdDSA" {
        return Err(format!("alg: {header}"));
    }
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let keys = jwks["keys"].as_array().ok_or("no key list")?;
    let key = keys.iter().find(|k| k["kid"] == kid).ok_or_else(|| format!("kid {kid} is not in the JWKS"))?;
    let expected = (Some("OKP"), Some("Ed25519"), Some("EdDSA"), Some("sig"));
    let got = (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str(), key["use"].as_str());
    if got != expected {
        return Err(format!("not an Ed25519 signing JWK: {key}"));
    }
    let x = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap_or("")).map_err(|e| e.to_string())?;
    let signature = URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?;
    let signed = [head, ".", body].concat();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &x)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| String::from("the signature does not verify"))?;
    Ok((header, decode_json(body)?))
}

/// Verifies `jwt` against `jwks`; answers its header and claims.
pub fn verify(jwt: &str, jwks: &Value) -> (Value, Value) {
    check(jwt, jwks).unwrap_or_else(|e| panic!("{e}"))
}
