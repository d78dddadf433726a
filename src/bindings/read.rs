//! Reads the JS arguments of the API (options and params objects) into
//! plain Rust, refusing wrong types and unknown keys before any request.

use crate::decode::{as_bool, get, is_nullish, is_plain_object};
use crate::error::{Error, Result};
use crate::params::{SignUpParams, Value};
use alloc::string::String;
use gatehouse_protocol::{ErrorCode, Field};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function stringify(v) {
  try {
    return JSON.stringify(v);
  } catch {}
}
export function isStorage(s) {
  try {
    return typeof s == "object" && ["get", "set", "remove"].every((k) => typeof s[k] == "function");
  } catch {}
}
export function unknownKey(p, known) {
  return Object.keys(p).find((k) => !known.split(",").includes(k));
}
"#)]
extern "C" {
    /// `JSON.stringify(v)`, or `undefined` when it throws (a cycle, a
    /// `BigInt`): no exception slot, and no export to store one, as
    /// js-sys's `JSON::stringify` needs.
    pub(crate) fn stringify(v: &JsValue) -> JsValue;

    /// Whether the object `s` has the functions `get`, `set` and `remove`
    /// (not for `null`, a function or a primitive; nor when reading one
    /// throws).
    #[wasm_bindgen(js_name = isStorage)]
    fn is_storage(s: &JsValue) -> bool;

    /// The first own key of `p` that is not one of `known` (names joined
    /// by commas), or `undefined`.
    #[wasm_bindgen(js_name = unknownKey)]
    fn unknown_key(p: &JsValue, known: &str) -> JsValue;
}

fn absent(v: &JsValue) -> bool {
    is_nullish(v)
}

/// The value of `key` in an optional params object (`undefined` if the
/// object itself is absent).
fn arg(params: &JsValue, key: &str) -> JsValue {
    get(params, key).unwrap_or(JsValue::UNDEFINED)
}

/// An optional string param (`key` is both its JS and its wire name).
pub fn opt_string(params: &JsValue, key: &str) -> Result<Option<String>> {
    let v = arg(params, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| Error::param(ErrorCode::FormParamFormatInvalid, key))
}

/// An optional boolean param, as `"true"` or `"false"`.
pub fn opt_flag(params: &JsValue, key: &str) -> Result<Option<String>> {
    let v = arg(params, key);
    if absent(&v) {
        return Ok(None);
    }
    let flag = as_bool(&v).ok_or_else(|| Error::param(ErrorCode::FormParamFormatInvalid, key))?;
    Ok(Some(String::from(if flag { "true" } else { "false" })))
}

/// The load's options, read.
pub struct Options {
    /// `frontendApi`.
    pub api: String,
    /// `tokenMode: "bearer"`.
    pub bearer: bool,
    /// Where the client token is kept across reloads (bearer mode): an
    /// object with `get`, `set` and `remove`, or `undefined` ("memory").
    pub storage: JsValue,
}

/// `{ frontendApi, tokenMode?, tokenStorage? }`.
pub fn options(options: &JsValue) -> Result<Options> {
    let api =
        opt_string(options, "frontendApi")?.ok_or_else(|| Error::param(ErrorCode::FormParamMissing, "frontendApi"))?;
    let bearer = match opt_string(options, "tokenMode")?.as_deref() {
        None | Some("cookie") => false,
        Some("bearer") => true,
        Some(_) => return Err(Error::param(ErrorCode::FormParamFormatInvalid, "tokenMode")),
    };
    let storage = token_storage(options, bearer)
        .ok_or_else(|| Error::param(ErrorCode::FormParamFormatInvalid, "tokenStorage"))?;
    Ok(Options { api, bearer, storage })
}

/// `tokenStorage`: absent or `"memory"`, `undefined`; `"local"`, the
/// `localStorage` object the package entry made for it (`__storage`, which
/// it makes only where `localStorage` can be used); or an object whose
/// `get`, `set` and `remove` are functions, itself. Anything else, and a
/// storage in cookie mode (which has no token to keep), is `None`.
fn token_storage(options: &JsValue, bearer: bool) -> Option<JsValue> {
    let given = arg(options, "tokenStorage");
    let name = given.as_string();
    if absent(&given) || name.as_deref() == Some("memory") {
        return Some(JsValue::UNDEFINED);
    }
    let storage = if name.as_deref() == Some("local") { arg(options, "__storage") } else { given };
    let usable = bearer && is_storage(&storage);
    usable.then_some(storage)
}

/// The keys of `create` and `update`, by their JS names, in the order they
/// are read: three sent as given (`strategy`, `ticket` and `locale` are for
/// `create`; the server checks them), the fields in [`Field::ALL`] order,
/// then `unsafeMetadata`. One table, read in one loop (smaller wasm than a
/// reader per kind of key), from its copy joined by commas ([`KNOWN`],
/// through [`keys`]): the wasm holds that text alone.
const KEYS: [&str; 3 + Field::ALL.len() + 1] = {
    let mut keys = ["unsafeMetadata"; 3 + Field::ALL.len() + 1];
    (keys[0], keys[1], keys[2]) = ("strategy", "ticket", "locale");
    let mut i = 0;
    while i < Field::ALL.len() {
        keys[3 + i] = Field::ALL[i].js_name();
        i += 1;
    }
    keys
};

/// The length of [`KEYS`] joined by commas.
const KNOWN_LEN: usize = {
    let (mut len, mut i) = (KEYS.len() - 1, 0);
    while i < KEYS.len() {
        len += KEYS[i].len();
        i += 1;
    }
    len
};

/// [`KEYS`] joined by commas, built at compile time, for the JS check of
/// unknown keys.
const KNOWN_BYTES: [u8; KNOWN_LEN] = {
    let mut out = [b','; KNOWN_LEN];
    let (mut at, mut i) = (0, 0);
    while i < KEYS.len() {
        let key = KEYS[i].as_bytes();
        let mut j = 0;
        while j < key.len() {
            out[at + j] = key[j];
            j += 1;
        }
        at += key.len() + 1;
        i += 1;
    }
    out
};

/// [`KNOWN_BYTES`] as text, made at compile time: the keys are ASCII, so
/// it is all of them, as the assertion below checks when the crate builds
/// (a `const`: nothing here runs, or can fail, in the page).
const KNOWN: &str = match core::str::from_utf8(&KNOWN_BYTES) {
    Ok(known) => known,
    Err(_) => "",
};
const _: () = assert!(KNOWN.len() == KNOWN_LEN, "the keys are ASCII");

/// [`KEYS`], read back from [`KNOWN`] (one copy of the names in the wasm,
/// and no pointer and length per name).
fn keys() -> impl Iterator<Item = &'static str> {
    let mut at = 0;
    core::iter::from_fn(move || {
        let rest = KNOWN.as_bytes().get(at..).filter(|rest| !rest.is_empty())?;
        let len = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        let key = KNOWN.get(at..at + len);
        at += len + 1;
        key
    })
}

/// The params of `create` and `update`, with camelCase keys.
pub fn sign_up_params(params: &JsValue) -> Result<SignUpParams> {
    let mut out = SignUpParams::default();
    if absent(params) {
        return Ok(out);
    }
    if !is_plain_object(params) {
        return Err(Error::sdk(ErrorCode::RequestBodyInvalid, None));
    }
    if let Some(key) = unknown_key(params, KNOWN).as_string() {
        return Err(Error::param(ErrorCode::FormParamUnknown, &key));
    }
    for (i, key) in keys().enumerate() {
        let v = arg(params, key);
        if absent(&v) {
            continue;
        }
        let invalid = |name| Error::param(ErrorCode::FormParamFormatInvalid, name);
        match Field::ALL.get(i.wrapping_sub(3)) {
            Some(&field) => {
                let value = match field {
                    Field::LegalAccepted => as_bool(&v).map(Value::Bool),
                    _ => v.as_string().map(Value::Text),
                };
                out.fields.push((field, value.ok_or_else(|| invalid(field.as_str()))?));
            }
            None if i < 3 => out.extra.push((key, v.as_string().ok_or_else(|| invalid(key))?)),
            None => {
                let json = if is_plain_object(&v) { stringify(&v).as_string() } else { None };
                out.unsafe_metadata = Some(json.ok_or_else(|| invalid("unsafe_metadata"))?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_known_keys_are_the_keys_read() {
        assert_eq!(super::KNOWN, super::KEYS.join(","));
        assert_eq!(super::keys().collect::<Vec<_>>(), super::KEYS);
    }
}
