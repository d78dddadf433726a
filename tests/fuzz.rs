//! Fuzzing of the SDK's readers, built natively (issue 8, item 11): the
//! response decoder (`decode::object` and `decode::error_items`, the same
//! walker the wasm runs, here over `serde_json` values). (The landing
//! query, `Gatehouse.handleMagicLinkVerification()`, is read in JS by the
//! browser's `URLSearchParams`: tests/browser/landing.rs runs its generated
//! cases in Chromium.)
//!
//! - Answers of each schema, generated valid, decode, keep every value and
//!   gain camelCase keys; damaged anywhere (a value replaced by any JSON, a
//!   key dropped), they either decode to something that still has the
//!   schema's exact shape, or are refused: never a panic, never a mistyped
//!   value handed to the app.
//! - Error answers decode to their items, or are refused.
//!
//! `GATEHOUSE_FUZZ_CASES` is the number of inputs per property (default
//! 500, what `cargo test` runs); `make fuzz` raises it.

#![cfg(not(target_arch = "wasm32"))]

use gatehouse::decode::{error_items, object, Json};
use gatehouse::schema::{self, camel_case, Key, Kind, Names, Table};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Inputs per property: `GATEHOUSE_FUZZ_CASES`, else 500.
fn config() -> ProptestConfig {
    let cases = std::env::var("GATEHOUSE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// A parsed answer as `Response.json()` gives it to the decoder: a JSON
/// value, or `undefined` (`None`) for a missing key.
#[derive(Clone, Debug, PartialEq)]
struct Js(Option<Value>);

impl Json for Js {
    fn get(&self, key: &str) -> Option<Self> {
        match &self.0 {
            Some(Value::Object(map)) => Some(Js(map.get(key).cloned())),
            // Arrays are objects to JS: their named keys are undefined.
            Some(Value::Array(_)) => Some(Js(None)),
            _ => None,
        }
    }
    fn is_plain_object(&self) -> bool {
        matches!(self.0, Some(Value::Object(_)))
    }
    fn is_absent(&self) -> bool {
        self.0.is_none()
    }
    fn is_null(&self) -> bool {
        self.0 == Some(Value::Null)
    }
    fn is_string(&self) -> bool {
        matches!(self.0, Some(Value::String(_)))
    }
    fn as_string(&self) -> Option<String> {
        self.0.as_ref()?.as_str().map(str::to_owned)
    }
    fn is_bool(&self) -> bool {
        matches!(self.0, Some(Value::Bool(_)))
    }
    fn is_number(&self) -> bool {
        matches!(self.0, Some(Value::Number(_)))
    }
    fn all_items(&self, mut check: impl FnMut(Self) -> bool) -> bool {
        match &self.0 {
            Some(Value::Array(items)) => items.iter().all(|item| check(Js(Some(item.clone())))),
            _ => false,
        }
    }
    fn map_items(&self, mut map: impl FnMut(Self) -> Option<Self>) -> Option<Self> {
        let Some(Value::Array(items)) = &self.0 else { return None };
        let mapped: Option<Vec<Value>> = items.iter().map(|item| map(Js(Some(item.clone())))?.0).collect();
        Some(Js(Some(Value::Array(mapped?))))
    }
    fn copy(&self) -> Self {
        self.clone()
    }
    fn null() -> Self {
        Js(Some(Value::Null))
    }
    fn new_object() -> Self {
        Js(Some(Value::Object(Map::new())))
    }
    fn set(&mut self, key: &str, value: Self) {
        if let (Some(Value::Object(map)), Some(value)) = (&mut self.0, value.0) {
            map.insert(camel_case(key), value);
        }
    }
}

/// The schemas the SDK decodes answers with.
const SCHEMAS: &[(&str, Table)] = &[
    ("environment", schema::ENVIRONMENT),
    ("client envelope", schema::CLIENT_ENVELOPE),
    ("sign-up envelope", schema::SIGN_UP_ENVELOPE),
    ("sign-in envelope", schema::SIGN_IN_ENVELOPE),
    ("session envelope", schema::SESSION_ENVELOPE),
    ("token envelope", schema::TOKEN_ENVELOPE),
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z_]{0,12}", 1 => any::<String>()]
}

/// Any JSON value, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..4).prop_map(|kv| Value::Object(Map::from_iter(kv))),
        ]
    })
    .boxed()
}

/// A value of `kind`, as the server would send it.
fn valid(kind: Kind) -> BoxedStrategy<Option<Value>> {
    let some = |s: BoxedStrategy<Value>| s.prop_map(Some).boxed();
    let or_null = |s: BoxedStrategy<Value>| prop_oneof![Just(Value::Null), s].prop_map(Some).boxed();
    let enum_of =
        |names: Names| proptest::sample::select(names.names().collect::<Vec<_>>()).prop_map(Value::from).boxed();
    match kind {
        Kind::Str => some(text().prop_map(Value::from).boxed()),
        Kind::OptStr => or_null(text().prop_map(Value::from).boxed()),
        Kind::MaybeStr => prop_oneof![Just(None), or_null(text().prop_map(Value::from).boxed())].boxed(),
        Kind::Enum(names) => some(enum_of(names)),
        Kind::OptEnum(names) => or_null(enum_of(names)),
        Kind::Bool => some(any::<bool>().prop_map(Value::from).boxed()),
        Kind::Num => some((0u32..1000).prop_map(Value::from).boxed()),
        Kind::OptNum => or_null((0u32..1000).prop_map(Value::from).boxed()),
        Kind::Strs => {
            some(proptest::collection::vec(text().prop_map(Value::from), 0..3).prop_map(Value::Array).boxed())
        }
        Kind::AnyObj => {
            some(any_json().prop_map(|v| if v.is_object() { v } else { Value::Object(Map::new()) }).boxed())
        }
        Kind::Obj(keys) => valid_object(keys).prop_map(Some).boxed(),
        Kind::OptObj(keys) => or_null(valid_object(keys)),
        Kind::List(keys) => some(proptest::collection::vec(valid_object(keys), 0..3).prop_map(Value::Array).boxed()),
    }
}

/// An object of the shape `keys`.
fn valid_object(keys: Table) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<(String, Option<Value>)>> =
        keys.keys().map(|Key(name, kind)| valid(kind).prop_map(move |v| (name.to_owned(), v)).boxed()).collect();
    fields.prop_map(|fields| Value::Object(fields.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())).boxed()
}

/// Whether `out` is exactly what the decoder promises for `keys`: every
/// key camelCased, every value of its kind, nothing else.
fn conforms(out: &Value, keys: Table) -> bool {
    let Some(map) = out.as_object() else { return false };
    let mut expected = 0;
    for Key(name, kind) in keys.keys() {
        let value = map.get(&camel_case(name));
        expected += usize::from(value.is_some());
        let ok = match (kind, value) {
            (Kind::MaybeStr, None) => true,
            (_, None) => false,
            (kind, Some(v)) => kind_ok(kind, v),
        };
        if !ok {
            return false;
        }
    }
    map.len() == expected
}

fn kind_ok(kind: Kind, v: &Value) -> bool {
    let is_enum = |names: Names| v.as_str().is_some_and(|s| names.contains(s));
    match kind {
        Kind::Str | Kind::MaybeStr => v.is_string(),
        Kind::OptStr => v.is_null() || v.is_string(),
        Kind::Enum(names) => is_enum(names),
        Kind::OptEnum(names) => v.is_null() || is_enum(names),
        Kind::Bool => v.is_boolean(),
        Kind::Num => v.is_number(),
        Kind::OptNum => v.is_null() || v.is_number(),
        Kind::Strs => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::AnyObj => v.is_object(),
        Kind::Obj(keys) => conforms(v, keys),
        Kind::OptObj(keys) => v.is_null() || conforms(v, keys),
        Kind::List(keys) => v.as_array().is_some_and(|a| a.iter().all(|item| conforms(item, keys))),
    }
}

/// `value` with its `target`-th node (depth first) replaced by
/// `replacement`, or, when `replacement` is `None`, removed from its object.
fn damage(value: &mut Value, target: &mut usize, replacement: &Option<Value>) -> bool {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *target == 0 {
                    match replacement {
                        Some(r) => map.insert(key, r.clone()),
                        None => map.remove(&key),
                    };
                    return true;
                }
                *target -= 1;
                if damage(map.get_mut(&key).unwrap(), target, replacement) {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => {
            for i in 0..items.len() {
                if *target == 0 {
                    match replacement {
                        Some(r) => items[i] = r.clone(),
                        None => drop(items.remove(i)),
                    }
                    return true;
                }
                *target -= 1;
                if damage(&mut items[i], target, replacement) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn schema_and_answer() -> impl Strategy<Value = (usize, Value)> {
    (0..SCHEMAS.len()).prop_flat_map(|i| (Just(i), valid_object(SCHEMAS[i].1)))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_answers_decode_to_their_camel_case_shape((i, answer) in schema_and_answer()) {
        let (name, keys) = SCHEMAS[i];
        let out = object(&Js(Some(answer)), keys).map(|j| j.0.unwrap());
        prop_assert!(out.as_ref().is_some_and(|o| conforms(o, keys)), "{name}: {out:?}");
    }

    #[test]
    fn damaged_answers_are_refused_or_still_of_their_shape(
        (i, mut answer) in schema_and_answer(),
        target in 0usize..64,
        replacement in proptest::option::weighted(0.8, any_json()),
    ) {
        let (name, keys) = SCHEMAS[i];
        damage(&mut answer, &mut target.clone(), &replacement);
        if let Some(out) = object(&Js(Some(answer)), keys) {
            prop_assert!(conforms(out.0.as_ref().unwrap(), keys), "{name}: {out:?}");
        }
    }

    #[test]
    fn any_json_answer_is_refused_or_of_its_shape(answer in any_json(), i in 0..SCHEMAS.len()) {
        let (_, keys) = SCHEMAS[i];
        if let Some(out) = object(&Js(Some(answer)), keys) {
            prop_assert!(conforms(out.0.as_ref().unwrap(), keys));
        }
    }

    #[test]
    fn error_answers_decode_to_their_items(
        items in proptest::collection::vec((text(), text(), text(), proptest::option::of(text())), 0..4),
        replacement in proptest::option::of(any_json()),
        target in 0usize..32,
    ) {
        let errors: Vec<Value> = items
            .iter()
            .map(|(code, message, long, param)| serde_json::json!({
                "code": code, "message": message, "long_message": long, "meta": { "param_name": param },
            }))
            .collect();
        let mut answer = serde_json::json!({ "errors": errors, "trace_id": "t" });
        let decoded = error_items(&Js(Some(answer.clone())));
        match decoded {
            None => prop_assert!(items.is_empty()),
            Some(got) => {
                let got: Vec<_> = got.into_iter().map(|e| (e.code, e.message, e.long_message, e.param_name)).collect();
                prop_assert_eq!(got, items);
            }
        }
        // Damaged: refused, or items of strings still.
        damage(&mut answer, &mut target.clone(), &replacement);
        if let Some(got) = error_items(&Js(Some(answer))) {
            prop_assert!(!got.is_empty());
        }
    }
}
