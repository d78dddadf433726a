//! Fuzzing of the SDK's readers (issue 8, item 11): the response decoder,
//! the environment's rules and the error answers' reader (`decode`, `rules`
//! and `errorItems` of `src/js/decode.js`, the JS the package ships, run
//! here in Node: `node` must be on the `PATH`), fed the generated answers
//! as JSON. (The landing
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
//! - The rules are each field's `enabled` and the four lengths of a
//!   decoded environment.
//!
//! `GATEHOUSE_FUZZ_CASES` is the number of inputs per property (default
//! 500, what `cargo test` runs); `make fuzz` raises it.

#![cfg(not(target_arch = "wasm32"))]

use gatehouse::schema::{self, camel_case, Key, Kind, Names, Table};
use gatehouse_protocol::Field;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Inputs per property: `GATEHOUSE_FUZZ_CASES`, else 500.
fn config() -> ProptestConfig {
    let cases = std::env::var("GATEHOUSE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// The JS decoder (`src/js/decode.js`) in one Node process for the whole
/// test binary, fed one call per line, `[function, ...arguments]`
/// (`["decode", answer, table]`; `["g f", ...]` is `g(f(...), {})`, so
/// that `f`'s object goes to `g` as it is, not through JSON); it answers the
/// result as JSON, or `-` for `undefined` (refused).
struct Node {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _child: Child,
}

fn node() -> &'static Mutex<Node> {
    static NODE: OnceLock<Mutex<Node>> = OnceLock::new();
    NODE.get_or_init(|| {
        let decoder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/js/decode.js");
        let script = format!(
            r#"import * as decoder from {url};
import {{ createInterface }} from "node:readline";
for await (const line of createInterface({{ input: process.stdin }})) {{
  const [f, ...args] = JSON.parse(line);
  const [first, ...then] = f.split(" ").reverse();
  const out = then.reduce((v, g) => decoder[g](v, {{}}), decoder[first](...args));
  process.stdout.write((JSON.stringify(out) ?? "-") + "\n");
}}"#,
            url = serde_json::to_string(&format!("file://{decoder}")).unwrap(),
        );
        let mut child = Command::new("node")
            .args(["--input-type=module", "-e", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the decoder's fuzz tests run src/js/decode.js in Node: `node` must be on the PATH");
        let (stdin, stdout) = (child.stdin.take().unwrap(), BufReader::new(child.stdout.take().unwrap()));
        Mutex::new(Node { stdin, stdout, _child: child })
    })
}

/// `answer` decoded by the JS decoder with `keys`; `None` when refused.
fn decode(answer: &Value, keys: Table) -> Option<Value> {
    ask(serde_json::json!(["decode", answer, keys.index()]))
}

/// One question to the Node process (see [`Node`]).
fn ask(question: Value) -> Option<Value> {
    let mut node = node().lock().unwrap_or_else(|e| e.into_inner());
    let mut line = serde_json::to_string(&question).unwrap();
    line.push('\n');
    node.stdin.write_all(line.as_bytes()).unwrap();
    node.stdin.flush().unwrap();
    line.clear();
    node.stdout.read_line(&mut line).unwrap();
    assert!(line.ends_with('\n'), "the decoder's Node process ended");
    match line.trim_end() {
        "-" => None,
        json => Some(serde_json::from_str(json).unwrap()),
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
    ("TOTP envelope", schema::TOTP_ENVELOPE),
    ("user sessions envelope", schema::USER_SESSIONS_ENVELOPE),
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

/// What the decoder makes of a valid answer `v` of the shape `keys`: the
/// same values, the objects' keys camelCased, the absent or `null`
/// [`Kind::MaybeStr`] left out.
fn rebuilt(v: &Value, keys: Table) -> Value {
    let mut out = Map::new();
    for Key(name, kind) in keys.keys() {
        let x = &v[name];
        let y = match kind {
            Kind::MaybeStr if x.is_null() => continue,
            Kind::Obj(keys) => rebuilt(x, keys),
            Kind::OptObj(keys) if !x.is_null() => rebuilt(x, keys),
            Kind::List(keys) => Value::Array(x.as_array().unwrap().iter().map(|item| rebuilt(item, keys)).collect()),
            _ => x.clone(),
        };
        out.insert(camel_case(name), y);
    }
    Value::Object(out)
}

/// `v` with its numbers compared to 12 significant digits, and `-0` as `0`:
/// through Node an `i64` beyond 2^53 is rounded (as in the browser),
/// `serde_json` reads some floats one unit in the last place away from JS,
/// and `JSON.stringify` writes `-0` as `0`.
fn as_js(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::from(format!("{:.11e}", n.as_f64().unwrap_or(f64::NAN) + 0.0)),
        Value::Array(items) => Value::Array(items.into_iter().map(as_js).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, as_js(v))).collect()),
        v => v,
    }
}

/// What `decode::empty` makes of `keys` (a sign-up or sign-in before
/// `create`): empty lists and objects, `false`, and `null` for the rest.
fn empty(keys: Table) -> Value {
    let mut out = Map::new();
    for Key(name, kind) in keys.keys() {
        let value = match kind {
            Kind::Strs | Kind::List(_) => Value::Array(Vec::new()),
            Kind::Bool => Value::Bool(false),
            Kind::AnyObj => Value::Object(Map::new()),
            Kind::Obj(keys) => empty(keys),
            _ => Value::Null,
        };
        out.insert(camel_case(name), value);
    }
    Value::Object(out)
}

#[test]
fn empty_objects_have_their_tables_keys() {
    for (name, keys) in [("sign-up", schema::SIGN_UP), ("sign-in", schema::SIGN_IN)] {
        assert_eq!(ask(serde_json::json!(["empty", keys.index()])), Some(empty(keys)), "{name}");
    }
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
        let out = decode(&answer, keys);
        prop_assert!(out.as_ref().is_some_and(|o| conforms(o, keys)), "{name}: {out:?}");
        prop_assert_eq!(out.map(as_js), Some(as_js(rebuilt(&answer, keys))), "{}", name);
    }

    #[test]
    fn damaged_answers_are_refused_or_still_of_their_shape(
        (i, mut answer) in schema_and_answer(),
        target in 0usize..64,
        replacement in proptest::option::weighted(0.8, any_json()),
    ) {
        let (name, keys) = SCHEMAS[i];
        damage(&mut answer, &mut target.clone(), &replacement);
        if let Some(out) = decode(&answer, keys) {
            prop_assert!(conforms(&out, keys), "{name}: {out:?}");
        }
    }

    #[test]
    fn any_json_answer_is_refused_or_of_its_shape(answer in any_json(), i in 0..SCHEMAS.len()) {
        let (_, keys) = SCHEMAS[i];
        if let Some(out) = decode(&answer, keys) {
            prop_assert!(conforms(&out, keys));
        }
    }

    #[test]
    fn the_rules_are_each_fields_enabled_and_the_lengths(answer in valid_object(schema::ENVIRONMENT)) {
        let got = ask(serde_json::json!(["rules decode", answer, schema::ENVIRONMENT.index()]));
        let attributes = &answer["sign_up"]["attributes"];
        let mut want: Vec<Value> = Field::ALL.iter().map(|f| attributes[f.as_str()]["enabled"].clone()).collect();
        for (settings, key) in [("password", "min"), ("password", "max"), ("username", "min"), ("username", "max")] {
            want.push(answer[format!("{settings}_settings")][format!("{key}_length")].clone());
        }
        prop_assert_eq!(got.map(as_js), Some(as_js(Value::Array(want))));
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
        let decoded = ask(serde_json::json!(["errorItems", answer]));
        let expected: Vec<Value> = items
            .iter()
            .map(|(code, message, long, param)| {
                let meta = param.as_ref().map_or(serde_json::json!({}), |p| serde_json::json!({ "paramName": p }));
                serde_json::json!({ "code": code, "message": message, "longMessage": long, "meta": meta })
            })
            .collect();
        prop_assert_eq!(decoded, (!items.is_empty()).then_some(Value::Array(expected)));
        // Damaged: refused, or items of strings still.
        damage(&mut answer, &mut target.clone(), &replacement);
        if let Some(got) = ask(serde_json::json!(["errorItems", answer])) {
            let got = got.as_array().unwrap();
            prop_assert!(!got.is_empty());
            for item in got {
                let texts = ["code", "message", "longMessage"].map(|k| item[k].is_string());
                let param = &item["meta"]["paramName"];
                prop_assert!(texts == [true; 3] && item["meta"].is_object() && (param.is_null() || param.is_string()));
                prop_assert_eq!(item.as_object().unwrap().len(), 4);
            }
        }
    }
}
