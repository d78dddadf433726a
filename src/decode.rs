//! Reads the server's answers, already parsed by `Response.json()`: checks
//! each value against its [`schema`](crate::schema) table and builds the JS
//! objects the SDK exposes, with camelCase keys. The walker is JS
//! (`src/js/decode.js`, with the reading imports below; fuzzed natively in
//! Node by tests/fuzz.rs): [`answer`] hands it an answer and a table's
//! index, and the error bodies are read there too ([`error_items`]); the
//! environment's rules ([`rules`]) are read here.
//!
//! Every reader answers `None` (the JS decoder `undefined`) on a missing or
//! mistyped value; the caller turns that into `response_invalid`. Nothing
//! here can trap.

use crate::error::{Error, Result};
use crate::params::Rules;
use crate::schema::Table;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::Field;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/js/decode.js")]
extern "C" {
    /// `o[k]`, or `undefined` when reading it throws (a getter or a proxy
    /// of the caller's params). One import, with the key passed as its
    /// bytes: `Reflect.get` took a JS string made for it (one import) and
    /// dropped after (another), and an exception slot read in Rust.
    #[wasm_bindgen(js_name = get)]
    fn get_key(o: &JsValue, k: &str) -> JsValue;

    /// What `v` is: one of the `KIND_` numbers below. One import for every
    /// type test of the SDK, in place of wasm-bindgen's and js-sys's one
    /// each (`is_undefined`, `is_null`, `is_null_or_undefined`,
    /// `is_string`, `is_object`, `as_bool`, `Array.isArray`): an import
    /// costs its entry and its shim in the glue.
    fn kind(v: &JsValue) -> u32;

    /// The number `v` is, or NaN: no return slot, as wasm-bindgen's
    /// `as_f64` (an `Option<f64>`) has in both languages.
    pub fn num(v: &JsValue) -> f64;

    /// `v` checked against the table `t` ([`Table::index`]) and rebuilt
    /// with camelCase keys, or `undefined` when a value is missing or
    /// mistyped: the JS decoder (about 0.5 KiB gzip smaller than the same
    /// walker in the wasm, with the tables as text in the JS).
    #[wasm_bindgen(js_name = decode)]
    fn decode_js(v: &JsValue, t: u8) -> JsValue;

    /// An object of the table `t` with nothing in it yet.
    #[wasm_bindgen(js_name = empty)]
    fn empty_js(t: u8) -> JsValue;

    /// The items of an error answer, `{ "errors": [ { code, message,
    /// long_message, meta: { param_name? } } ] }` with at least one, as
    /// the JS `GatehouseError` holds them (`{ code, message, longMessage,
    /// meta: { paramName? } }`), or `undefined` when it is not one.
    #[wasm_bindgen(js_name = errorItems)]
    pub fn error_items(v: &JsValue) -> JsValue;

    /// Sets `g.environment` to `env`, a decoded environment, and answers
    /// its `enabled` of each attribute (in the table's order, [`Field::ALL`]'s:
    /// `schema::tests`), then its password's and its username's `minLength`
    /// and `maxLength`.
    #[wasm_bindgen(js_name = rules)]
    fn rules_js(env: &JsValue, g: &JsValue) -> JsValue;

    /// The `code` of the first of [`error_items`], or `undefined`.
    #[wasm_bindgen(js_name = firstCode)]
    pub fn first_code(v: &JsValue) -> JsValue;
}

// What [`kind`] answers.
const KIND_UNDEFINED: u32 = 0;
const KIND_NULL: u32 = 1;
// 2: anything else that is no object (a function, a symbol, a bigint);
// 3: a string.
const KIND_FALSE: u32 = 4;
const KIND_TRUE: u32 = 5;
// 6: a number.
/// An object that is not an array (`typeof` "object", not `null`).
const KIND_OBJECT: u32 = 7;
const KIND_ARRAY: u32 = 8;

/// `undefined`.
pub fn is_undefined(v: &JsValue) -> bool {
    kind(v) == KIND_UNDEFINED
}

/// `undefined` or `null`.
pub fn is_nullish(v: &JsValue) -> bool {
    kind(v) <= KIND_NULL
}

/// An object (`typeof` "object", not `null`), an array among them.
#[inline(always)]
pub fn is_object(v: &JsValue) -> bool {
    kind(v) >= KIND_OBJECT
}

/// An object that is not an array.
pub fn is_plain_object(v: &JsValue) -> bool {
    kind(v) == KIND_OBJECT
}

/// An array (`Array.isArray`).
pub fn is_array(v: &JsValue) -> bool {
    kind(v) == KIND_ARRAY
}

/// The boolean `v` is, if it is one. Inlined (about 20 bytes gzip less).
#[inline(always)]
pub fn as_bool(v: &JsValue) -> Option<bool> {
    let k = kind(v);
    (k == KIND_FALSE || k == KIND_TRUE).then_some(k == KIND_TRUE)
}

/// The number `v` is, if it is one (JSON has no NaN: a NaN reads as none).
pub fn as_number(v: &JsValue) -> Option<f64> {
    let n = num(v);
    #[allow(clippy::eq_op)]
    (n == n).then_some(n)
}

/// The value at `key`, or `undefined`; `None` when `v` is not an object.
pub fn get(v: &JsValue, key: &str) -> Option<JsValue> {
    is_object(v).then(|| get_key(v, key))
}

/// Copies every key of `source` onto `target` (`Object.assign`).
pub fn assign(target: &JsValue, source: &JsValue) {
    Object::<JsValue>::assign(target.unchecked_ref(), source.unchecked_ref());
}

/// A 2xx answer of the shape `keys`, as a camelCase JS object (checked and
/// built by the JS decoder, `src/js/decode.js`).
pub fn answer((status, json): (u16, JsValue), keys: Table) -> Result<JsValue> {
    let out = decode_js(&json, keys.index());
    if is_undefined(&out) {
        return Err(Error::response_invalid(status, None));
    }
    Ok(out)
}

/// An object of the shape `keys` with nothing in it yet: empty lists and
/// objects, `false`, and `null` for everything else (a sign-up or sign-in
/// before `create`).
pub fn empty(keys: Table) -> JsValue {
    empty_js(keys.index())
}

/// The params rules of a decoded (camelCase) environment, which becomes
/// `g.environment` (`g`, the `Gatehouse` object), read by the JS
/// `rules` (`src/js/decode.js`) into one array: each field's `enabled`,
/// then the length rules (a missing value reads as its default, which a
/// decoded environment never lacks).
pub fn rules(env: &JsValue, g: &JsValue) -> Rules {
    let read = rules_js(env, g);
    let at = |i: usize| read.unchecked_ref::<Array>().get_unchecked(i as u32);
    let enabled = core::array::from_fn(|i| as_bool(&at(i)).unwrap_or(false));
    let rule = |i, default| as_number(&at(Field::ALL.len() + i)).map_or(default, |n| n as usize);
    let (pw, un) = (PasswordRules::default(), UsernameRules::default());
    Rules {
        enabled,
        password: PasswordRules { min_length: rule(0, pw.min_length), max_length: rule(1, pw.max_length) },
        username: UsernameRules { min_length: rule(2, un.min_length), max_length: rule(3, un.max_length) },
    }
}
