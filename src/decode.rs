//! Reads the server's answers, already parsed by `Response.json()`: checks
//! each value against its [`schema`](crate::schema) table and builds the JS
//! objects the SDK exposes, with camelCase keys.
//!
//! Every reader answers `None` on a missing or mistyped value; the caller
//! turns that into `response_invalid`. Nothing here can trap.

use crate::error::{Error, ErrorItem, Result};
use crate::params::Rules;
use crate::schema::{camel_case, Key, Kind};
use alloc::vec::Vec;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::Field;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// The value at `key`, or `undefined`; `None` when `v` is not an object.
pub fn get(v: &JsValue, key: &str) -> Option<JsValue> {
    if !v.is_object() {
        return None;
    }
    Reflect::get(v, &JsValue::from_str(key)).ok()
}

/// Sets `key` on an object we built.
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Copies every key of `source` onto `target` (`Object.assign`).
pub fn assign(target: &JsValue, source: &JsValue) {
    Object::<JsValue>::assign(target.unchecked_ref(), source.unchecked_ref());
}

/// A 2xx answer of the shape `keys`, as a camelCase JS object.
pub fn answer((status, json): (u16, JsValue), keys: &[Key]) -> Result<JsValue> {
    object(&json, keys).ok_or_else(|| Error::response_invalid(status, None))
}

fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

fn object(v: &JsValue, keys: &[Key]) -> Option<JsValue> {
    if !is_plain_object(v) {
        return None;
    }
    let out = JsValue::from(Object::new());
    for Key(name, kind) in keys {
        let x = get(v, name)?;
        if matches!(kind, Kind::MaybeStr) && (x.is_undefined() || x.is_null()) {
            continue;
        }
        set(&out, &camel_case(name), &convert(&x, *kind)?);
    }
    Some(out)
}

/// Checks one value; objects are rebuilt with camelCase keys, every other
/// value is kept as parsed.
fn convert(v: &JsValue, kind: Kind) -> Option<JsValue> {
    let is_enum = |parse: fn(&str) -> bool| v.as_string().is_some_and(|s| parse(&s));
    let ok = match kind {
        Kind::Str | Kind::MaybeStr => v.is_string(),
        Kind::OptStr => v.is_null() || v.is_string(),
        Kind::Enum(parse) => is_enum(parse),
        Kind::OptEnum(parse) => v.is_null() || is_enum(parse),
        Kind::Bool => v.as_bool().is_some(),
        Kind::Num => v.as_f64().is_some(),
        Kind::OptNum => v.is_null() || v.as_f64().is_some(),
        Kind::Strs => {
            Array::is_array(v) && v.unchecked_ref::<Array>().iter().all(|s| s.is_string())
        }
        Kind::AnyObj => is_plain_object(v),
        Kind::Obj(keys) => return object(v, keys),
        Kind::OptObj(keys) => {
            return if v.is_null() {
                Some(JsValue::NULL)
            } else {
                object(v, keys)
            }
        }
        Kind::List(keys) => {
            if !Array::is_array(v) {
                return None;
            }
            let out = Array::new();
            for item in v.unchecked_ref::<Array>().iter() {
                out.push(&object(&item, keys)?);
            }
            return Some(out.into());
        }
    };
    ok.then(|| v.clone())
}

/// An object of the shape `keys` with nothing in it yet: empty lists and
/// objects, `false`, and `null` for everything else (a sign-up or sign-in
/// before `create`).
pub fn empty(keys: &[Key]) -> JsValue {
    let out = JsValue::from(Object::new());
    for Key(name, kind) in keys {
        let value = match kind {
            Kind::Strs | Kind::List(_) => Array::new().into(),
            Kind::Bool => JsValue::FALSE,
            Kind::AnyObj => Object::new().into(),
            Kind::Obj(keys) => empty(keys),
            _ => JsValue::NULL,
        };
        set(&out, &camel_case(name), &value);
    }
    out
}

/// A number at the end of a path of keys, as a length rule.
fn length(v: &JsValue, path: &[&str]) -> Option<usize> {
    let mut v = v.clone();
    for key in path {
        v = get(&v, key)?;
    }
    v.as_f64().map(|n| n as usize)
}

/// The params rules of a decoded (camelCase) environment.
pub fn rules(env: &JsValue) -> Rules {
    let attributes = get(env, "signUp").and_then(|s| get(&s, "attributes"));
    let enabled = Field::ALL.map(|f| {
        let attribute = attributes.as_ref().and_then(|a| get(a, f.js_name()));
        attribute
            .and_then(|a| get(&a, "enabled"))
            .and_then(|e| e.as_bool())
            .unwrap_or(false)
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
pub fn error_items(v: &JsValue) -> Option<Vec<ErrorItem>> {
    let errors = get(v, "errors")?;
    if !Array::is_array(&errors) {
        return None;
    }
    let mut items = Vec::new();
    for e in errors.unchecked_ref::<Array>().iter() {
        items.push(error_item(&e)?);
    }
    (!items.is_empty()).then_some(items)
}

fn error_item(v: &JsValue) -> Option<ErrorItem> {
    let param = get(&get(v, "meta")?, "param_name")?;
    let param_name = if param.is_undefined() || param.is_null() {
        None
    } else {
        Some(param.as_string()?)
    };
    Some(ErrorItem {
        code: get(v, "code")?.as_string()?,
        message: get(v, "message")?.as_string()?,
        long_message: get(v, "long_message")?.as_string()?,
        param_name,
    })
}
