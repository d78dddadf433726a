//! Reads the server's answers, already parsed by `Response.json()`: checks
//! each value against its [`schema`](crate::schema) table and builds the JS
//! objects the SDK exposes, with camelCase keys.
//!
//! Every reader answers `None` on a missing or mistyped value; the caller
//! turns that into `response_invalid`. Nothing here can trap.

use crate::error::{Error, ErrorItem, Result};
use crate::params::Rules;
use crate::schema::{Key, Kind, Names, Table};
use alloc::string::String;
use alloc::vec::Vec;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::Field;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(inline_js = r#"
export function get(o, k) {
  try {
    return o[k];
  } catch {}
}
export function set(o, k, v) {
  try {
    o[k.replace(/_(.)/g, (_, c) => c.toUpperCase())] = v;
  } catch {}
}
export const num = (v) => (typeof v == "number" ? v : NaN);
export function kind(v) {
  return v === undefined ? 0 : v === null ? 1 : typeof v == "string" ? 3 : typeof v == "boolean" ? (v ? 5 : 4)
    : typeof v == "number" ? 6 : typeof v != "object" ? 2 : Array.isArray(v) ? 8 : 7;
}
"#)]
extern "C" {
    /// `o[k]`, or `undefined` when reading it throws (a getter or a proxy
    /// of the caller's params). One import, with the key passed as its
    /// bytes: `Reflect.get` took a JS string made for it (one import) and
    /// dropped after (another), and an exception slot read in Rust.
    #[wasm_bindgen(js_name = get)]
    fn get_key(o: &JsValue, k: &str) -> JsValue;

    /// `o[k] = v` under the camelCase of `k` (`verify_at_sign_up`:
    /// `verifyAtSignUp`; a key without `_` as it is), so that no key is
    /// made in Rust; a failure (a frozen object) is ignored, as
    /// `Reflect.set`'s was.
    #[wasm_bindgen(js_name = set)]
    fn set_key(o: &JsValue, k: &str, v: &JsValue);

    /// What `v` is: one of the `KIND_` numbers below. One import for every
    /// type test of the SDK, in place of wasm-bindgen's and js-sys's one
    /// each (`is_undefined`, `is_null`, `is_null_or_undefined`,
    /// `is_string`, `is_object`, `as_bool`, `Array.isArray`): an import
    /// costs its entry and its shim in the glue.
    fn kind(v: &JsValue) -> u32;

    /// The number `v` is, or NaN: no return slot, as wasm-bindgen's
    /// `as_f64` (an `Option<f64>`) has in both languages.
    pub fn num(v: &JsValue) -> f64;
}

// What [`kind`] answers.
const KIND_UNDEFINED: u32 = 0;
const KIND_NULL: u32 = 1;
// 2: anything else that is no object (a function, a symbol, a bigint).
const KIND_STRING: u32 = 3;
const KIND_FALSE: u32 = 4;
const KIND_TRUE: u32 = 5;
const KIND_NUMBER: u32 = 6;
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

/// Sets `key`, camelCased (see [`set_key`]), on an object we built.
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    set_key(target, key, value);
}

/// Copies every key of `source` onto `target` (`Object.assign`).
pub fn assign(target: &JsValue, source: &JsValue) {
    Object::<JsValue>::assign(target.unchecked_ref(), source.unchecked_ref());
}

/// A 2xx answer of the shape `keys`, as a camelCase JS object.
pub fn answer((status, json): (u16, JsValue), keys: Table) -> Result<JsValue> {
    object(&json, keys).ok_or_else(|| Error::response_invalid(status, None))
}

/// A parsed JSON value, as the walker below reads and builds it: `JsValue`
/// in the SDK. The native fuzz tests (tests/fuzz.rs) run the same walker
/// over `serde_json` values; the wasm has this one implementation only.
pub trait Json: Sized {
    /// The value at `key` (`Self::absent()` when missing); `None` when
    /// `self` is not an object.
    fn get(&self, key: &str) -> Option<Self>;
    /// An object that is not an array.
    fn is_plain_object(&self) -> bool;
    fn is_absent(&self) -> bool;
    fn is_null(&self) -> bool;
    /// Absent or `null`.
    fn is_nullish(&self) -> bool {
        self.is_absent() || self.is_null()
    }
    fn is_string(&self) -> bool;
    fn as_string(&self) -> Option<String>;
    fn is_bool(&self) -> bool;
    fn is_number(&self) -> bool;
    /// Whether this is an array whose every item passes `check`.
    fn all_items(&self, check: impl FnMut(Self) -> bool) -> bool;
    /// This array with `map` applied to each item; `None` when it is not
    /// an array or `map` refused an item.
    fn map_items(&self, map: impl FnMut(Self) -> Option<Self>) -> Option<Self>;
    fn copy(&self) -> Self;
    fn null() -> Self;
    fn new_object() -> Self;
    /// Sets `value` under the camelCase of `key` (`schema::camel_case`).
    fn set(&mut self, key: &str, value: Self);
}

impl Json for JsValue {
    #[inline(always)]
    fn get(&self, key: &str) -> Option<Self> {
        get(self, key)
    }
    #[inline(always)]
    fn is_plain_object(&self) -> bool {
        is_plain_object(self)
    }
    #[inline(always)]
    fn is_absent(&self) -> bool {
        is_undefined(self)
    }
    #[inline(always)]
    fn is_null(&self) -> bool {
        kind(self) == KIND_NULL
    }
    #[inline(always)]
    fn is_nullish(&self) -> bool {
        is_nullish(self)
    }
    #[inline(always)]
    fn is_string(&self) -> bool {
        kind(self) == KIND_STRING
    }
    #[inline(always)]
    fn as_string(&self) -> Option<String> {
        JsValue::as_string(self)
    }
    #[inline(always)]
    fn is_bool(&self) -> bool {
        as_bool(self).is_some()
    }
    #[inline(always)]
    fn is_number(&self) -> bool {
        kind(self) == KIND_NUMBER
    }
    #[inline(always)]
    fn all_items(&self, check: impl FnMut(Self) -> bool) -> bool {
        is_array(self) && self.unchecked_ref::<Array>().iter().all(check)
    }
    #[inline(always)]
    fn map_items(&self, mut map: impl FnMut(Self) -> Option<Self>) -> Option<Self> {
        if !is_array(self) {
            return None;
        }
        let out = Array::new();
        for item in self.unchecked_ref::<Array>().iter() {
            out.push(&map(item)?);
        }
        Some(out.into())
    }
    #[inline(always)]
    fn copy(&self) -> Self {
        self.clone()
    }
    #[inline(always)]
    fn null() -> Self {
        JsValue::NULL
    }
    #[inline(always)]
    fn new_object() -> Self {
        Object::new().into()
    }
    #[inline(always)]
    fn set(&mut self, key: &str, value: Self) {
        set(self, key, &value);
    }
}

/// `v` checked against `keys` and rebuilt with camelCase keys (others are
/// dropped); `None` when a value is missing or mistyped.
pub fn object<J: Json>(v: &J, keys: Table) -> Option<J> {
    if !v.is_plain_object() {
        return None;
    }
    let mut out = J::new_object();
    for Key(name, kind) in keys.keys() {
        let x = v.get(name)?;
        if matches!(kind, Kind::MaybeStr) && x.is_nullish() {
            continue;
        }
        out.set(name, convert(&x, kind)?);
    }
    Some(out)
}

/// Checks one value; objects are rebuilt with camelCase keys, every other
/// value is kept as parsed.
fn convert<J: Json>(v: &J, kind: Kind) -> Option<J> {
    let is_enum = |names: Names| v.as_string().is_some_and(|s| names.contains(&s));
    let ok = match kind {
        Kind::Str | Kind::MaybeStr => v.is_string(),
        Kind::OptStr => v.is_null() || v.is_string(),
        Kind::Enum(names) => is_enum(names),
        Kind::OptEnum(names) => v.is_null() || is_enum(names),
        Kind::Bool => v.is_bool(),
        Kind::Num => v.is_number(),
        Kind::OptNum => v.is_null() || v.is_number(),
        Kind::Strs => v.all_items(|s| s.is_string()),
        Kind::AnyObj => v.is_plain_object(),
        Kind::Obj(keys) => return object(v, keys),
        Kind::OptObj(keys) => return if v.is_null() { Some(J::null()) } else { object(v, keys) },
        Kind::List(keys) => return v.map_items(|item| object(&item, keys)),
    };
    ok.then(|| v.copy())
}

/// An object of the shape `keys` with nothing in it yet: empty lists and
/// objects, `false`, and `null` for everything else (a sign-up or sign-in
/// before `create`).
pub fn empty(keys: Table) -> JsValue {
    let out = JsValue::from(Object::new());
    for Key(name, kind) in keys.keys() {
        let value = match kind {
            Kind::Strs | Kind::List(_) => Array::new().into(),
            Kind::Bool => JsValue::FALSE,
            Kind::AnyObj => Object::new().into(),
            Kind::Obj(keys) => empty(keys),
            _ => JsValue::NULL,
        };
        set(&out, name, &value);
    }
    out
}

/// A number at the end of a path of keys, as a length rule.
fn length(v: &JsValue, path: &[&str]) -> Option<usize> {
    let mut v = v.clone();
    for key in path {
        v = get(&v, key)?;
    }
    as_number(&v).map(|n| n as usize)
}

/// The params rules of a decoded (camelCase) environment.
pub fn rules(env: &JsValue) -> Rules {
    let attributes = get(env, "signUp").and_then(|s| get(&s, "attributes"));
    let enabled = Field::ALL.map(|f| {
        let attribute = attributes.as_ref().and_then(|a| get(a, f.js_name()));
        attribute.and_then(|a| get(&a, "enabled")).and_then(|e| as_bool(&e)).unwrap_or(false)
    });
    let rule = |settings, key, default| length(env, &[settings, key]).unwrap_or(default);
    let (pw, un) = (PasswordRules::default(), UsernameRules::default());
    Rules {
        enabled,
        password: PasswordRules {
            min_length: rule("passwordSettings", "minLength", pw.min_length),
            max_length: rule("passwordSettings", "maxLength", pw.max_length),
        },
        username: UsernameRules {
            min_length: rule("usernameSettings", "minLength", un.min_length),
            max_length: rule("usernameSettings", "maxLength", un.max_length),
        },
    }
}

/// `{ "errors": [ { code, message, long_message, meta: { param_name? } } ] }`,
/// with at least one error.
pub fn error_items<J: Json>(v: &J) -> Option<Vec<ErrorItem>> {
    let mut items = Vec::new();
    let all = v.get("errors")?.all_items(|e| error_item(&e).map(|item| items.push(item)).is_some());
    (all && !items.is_empty()).then_some(items)
}

fn error_item<J: Json>(v: &J) -> Option<ErrorItem> {
    let param = v.get("meta")?.get("param_name")?;
    let param_name = if param.is_nullish() { None } else { Some(param.as_string()?) };
    Some(ErrorItem {
        code: v.get("code")?.as_string()?,
        message: v.get("message")?.as_string()?,
        long_message: v.get("long_message")?.as_string()?,
        param_name,
    })
}
