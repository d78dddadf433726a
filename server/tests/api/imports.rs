//! The shape of `server/src`, read from its `use` lines: no import circle
//! between top-level modules, none between files, and the two bottom layers
//! keep to themselves (see docs/ARCHITECTURE.md, "Layers").
//!
//! A small reader, not a compiler: it takes every path that starts with
//! `crate::` or `super::` (groups `{a, b::c}` included) in a file's code
//! before its `#[cfg(test)]` tests, comments left out, and resolves it to
//! the deepest module file it names. What ships is checked; a test module
//! may reach wherever it likes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One source file: its module path (`["sign_up", "machine"]`; `[]` for
/// `lib.rs` and `main.rs`) and the module paths its code names.
struct File {
    module: Vec<String>,
    names: Vec<Vec<String>>,
}

fn read_tree(dir: &Path, under: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            let mut inner = under.to_vec();
            inner.push(name);
            read_tree(&path, &inner, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut module = under.to_vec();
            if !matches!(stem, "mod" | "lib" | "main") {
                module.push(stem.to_owned());
            }
            out.push((module, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The code of a file without its comments and its tests.
pub(crate) fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut code = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("//") {
        code.push_str(&rest[..i]);
        rest = rest[i..].find('\n').map_or("", |end| &rest[i + end..]);
    }
    code.push_str(rest);
    code
}

/// Reads the path tree that follows `crate` or `super` at `s[i..]`.
struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_') {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// After a segment: `::` and more, or the end of this path.
    fn rest(&mut self, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        loop {
            self.skip_space();
            if !self.s[self.i..].starts_with(b"::") {
                break;
            }
            self.i += 2;
            self.skip_space();
            if self.peek() == Some(b'{') {
                self.i += 1;
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b'}') => {
                            self.i += 1;
                            return;
                        }
                        None => return,
                        Some(b',') => self.i += 1,
                        _ => match self.ident() {
                            Some(segment) => {
                                let mut inner = prefix.clone();
                                inner.push(segment);
                                self.rest(inner, out);
                            }
                            None => self.i += 1,
                        },
                    }
                }
            }
            match self.ident() {
                Some(segment) => prefix.push(segment),
                None => break,
            }
        }
        out.push(prefix);
    }
}

/// Every module path `code` names, as written (`super` and `self` kept).
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for keyword in ["crate", "super"] {
        for (at, _) in code.match_indices(keyword) {
            let before = at.checked_sub(1).map(|b| bytes[b]);
            let glued = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b':');
            let end = at + keyword.len();
            if glued || !code[end..].starts_with("::") {
                continue;
            }
            let mut reader = Reader { s: bytes, i: end };
            reader.rest(vec![keyword.to_owned()], &mut out);
        }
    }
    out
}

/// `path` as a module path from the crate root, read in `module`.
fn absolute(module: &[String], path: &[String]) -> Vec<String> {
    let mut base: Vec<String> = Vec::new();
    let mut segments = path.iter().peekable();
    if path.first().map(String::as_str) == Some("super") {
        base = module.to_vec();
        while segments.peek().map(|s| s.as_str()) == Some("super") {
            segments.next();
            base.pop();
        }
    } else {
        segments.next();
    }
    base.extend(segments.filter(|s| *s != "self").cloned());
    base
}

fn files_of(sources: &[(Vec<String>, String)]) -> Vec<File> {
    sources
        .iter()
        .map(|(module, text)| File {
            module: module.clone(),
            names: paths_in(&code_of(text)).iter().map(|p| absolute(module, p)).collect(),
        })
        .collect()
}

/// The deepest module with a file of its own that `path` is in.
fn resolve(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m)).unwrap_or_default()
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The import graph at the level of top-level modules, and of files.
fn graphs(files: &[File]) -> (Graph, Graph) {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let (mut top, mut by_file) = (Graph::new(), Graph::new());
    for file in files.iter().filter(|f| !f.module.is_empty()) {
        for name in &file.names {
            let target = resolve(&modules, name);
            if target.is_empty() {
                continue;
            }
            if target[0] != file.module[0] {
                top.entry(file.module[0].clone()).or_default().insert(target[0].clone());
            }
            // A module's `mod.rs` and its files name each other by nature.
            let related = target.starts_with(&file.module) || file.module.starts_with(&target);
            if !related {
                by_file.entry(file.module.join("/")).or_default().insert(target.join("/"));
            }
        }
    }
    (top, by_file)
}

/// One circle of `graph`, as `a -> b -> a`, if it has any.
fn circle(graph: &Graph) -> Option<String> {
    fn visit<'a>(
        graph: &'a Graph,
        node: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node);
            return Some(circle.join(" -> "));
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

pub(crate) fn server_sources() -> Vec<(Vec<String>, String)> {
    let mut found = Vec::new();
    read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &[], &mut found);
    found
}

#[test]
fn server_src_has_no_import_circle() {
    let files = files_of(&server_sources());
    let (top, by_file) = graphs(&files);
    // The reader sees the arrows that must be there, so it is reading at all.
    assert!(top["db"].contains("model"), "{top:?}");
    assert!(top["sign_up"].contains("db"), "{top:?}");
    assert_eq!(circle(&top), None, "an import circle between top-level modules of server/src");
    assert_eq!(circle(&by_file), None, "an import circle between files of server/src");
}

/// The layers of docs/ARCHITECTURE.md, from the bottom up.
const LAYERS: &[&[&str]] = &[
    &["ids", "clock", "codes", "master_key", "trace", "error", "telemetry", "openapi"],
    &["model"],
    &["config"],
    &["db"],
    &["events", "delivery", "mail", "limits", "password", "strategies", "cleanup", "webhooks"],
    &["state", "request_log"],
    &["extract", "origin", "peer_ip", "device", "rate_limit", "client", "verification"],
    &["sign_up", "sign_in", "totp", "invitations", "session", "admin"],
    &["app", "connections", "verify", "dev", "environment", "static_files", "probes", "cli", "logging"],
];

#[test]
fn every_module_imports_only_its_layer_and_those_below() {
    let files = files_of(&server_sources());
    let (top, _) = graphs(&files);
    let layer_of = |module: &str| LAYERS.iter().position(|layer| layer.contains(&module));
    for file in files.iter().filter(|f| !f.module.is_empty()) {
        assert!(
            layer_of(&file.module[0]).is_some(),
            "src/{}: give it a layer in LAYERS and docs/ARCHITECTURE.md",
            file.module[0]
        );
    }
    for (from, targets) in &top {
        for to in targets {
            assert!(layer_of(to) <= layer_of(from), "{from} imports {to}, a layer above it");
        }
    }
}

#[test]
fn the_model_and_storage_import_nothing_above_them() {
    let files = files_of(&server_sources());
    let layer = |name: &str, allowed: &[&str]| {
        for file in files.iter().filter(|f| f.module.first().map(String::as_str) == Some(name)) {
            for path in &file.names {
                let top = path.first().map(String::as_str).unwrap_or_default();
                assert!(allowed.contains(&top), "src/{} names crate::{}", file.module.join("/"), path.join("::"));
            }
        }
    };
    layer("model", &["model", "ids", "clock"]);
    // Storage reads its own pool settings (`config::DatabaseSettings`), the
    // layer just below it; never a flow or the state.
    layer("db", &["db", "model", "ids", "clock", "codes", "master_key", "config"]);
    for (module, text) in server_sources().iter().filter(|(m, _)| m.first().map(String::as_str) == Some("model")) {
        let code = code_of(text);
        for foreign in ["gatehouse_protocol::wire", "axum", "sqlx", "jsonwebtoken", "tokio"] {
            assert!(!code.contains(foreign), "src/{} uses {foreign}", module.join("/"));
        }
    }
}

#[test]
fn the_check_finds_a_circle_when_there_is_one() {
    let source = |module: &[&str], text: &str| (module.iter().map(|s| s.to_string()).collect(), text.to_owned());
    let sources = vec![
        source(&["db"], "use crate::sign_up::{self, record::SignUpRecord};"),
        source(&["sign_up"], "use crate::db::Tx;"),
        source(&["sign_up", "record"], "use super::machine::Requirements;\n// use crate::state;"),
        source(&["sign_up", "machine"], "pub fn f() -> crate::sign_up::record::SignUpRecord { todo!() }"),
        source(&["state"], "#[cfg(test)]\nmod tests { use crate::db; }"),
    ];
    let (top, by_file) = graphs(&files_of(&sources));
    assert_eq!(circle(&top).as_deref(), Some("db -> sign_up -> db"));
    assert_eq!(circle(&by_file).as_deref(), Some("db -> sign_up -> db"));
    assert!(!top.contains_key("state"), "tests and comments are not read: {top:?}");
    // Two files of one module that import each other: the circle the
    // model layer mended (`record.rs` and `machine.rs`).
    let (top, by_file) = graphs(&files_of(&sources[2..4]));
    assert_eq!(circle(&top), None);
    assert_eq!(circle(&by_file).as_deref(), Some("sign_up/machine -> sign_up/record -> sign_up/machine"));
}
