//! Gatehouse: a small browser sign-up SDK, compiled to WebAssembly.
//!
//! JS loads it with one `await Gatehouse.load({ frontendApi })`: the
//! package's entry (`src/js`, bundled by scripts/build-pkg.sh) instantiates
//! the wasm first, once. Every failure rejects with a `GatehouseError`.
//! Layout:
//!
//! - [`bindings`]: the `#[wasm_bindgen]` exports (`Gatehouse`,
//!   `GatehouseError`), the small JS classes of `gh.signUp`, `gh.signIn`
//!   and `gh.session`, and their TypeScript types; the JS-binding layer;
//! - [`flow`]: each sign-up operation as one request, in plain Rust;
//! - [`sign_in`]: each sign-in operation as one request, in plain Rust;
//! - [`params`]: create/update params, validated with the protocol crate and
//!   written as the JSON body;
//! - [`schema`]: the shapes of the server's answers, as static tables;
//! - [`decode`]: checks answers against the schema and builds the camelCase
//!   JS objects the SDK exposes (the walker is JS: `src/js/decode.js`);
//! - [`fetch`]: the one HTTP helper, with the cookie or bearer token mode,
//!   and the three-line JS `pipe` that carries each answer back to Rust;
//! - [`error`]: the one error type every failure becomes;
//! - `runtime` (wasm build): a trapping panic handler and the `lol_alloc`
//!   allocator in place of std's;
//! - `rust_api` (feature `rust-api`, off in the npm package): the typed
//!   async Rust API for Rust apps in the browser, over the modules above
//!   and the serde wire types; it links std, serde and `core::fmt` (the
//!   app's wasm, never the package's): the invariants below are the rest's.
//!
//! Invariants: no serde, no `format!` and no Rust executor (size: budget
//! 19 KiB gzip for the wasm and its JS, `bench/size.sh`; messages come from
//! the protocol crate's static tables); no panics: every failure is an
//! [`error::Error`]; only `bindings`, `decode` and `fetch` touch `JsValue`.
//! The JS in `bindings` and `fetch` is glue and three small pieces of state
//! (which session is current, the token cache, the other tabs' following),
//! and `decode`'s (`src/js/decode.js`) the answers' decoder over the
//! `schema` tables, kept there for size.

#![cfg_attr(all(target_arch = "wasm32", feature = "runtime", not(feature = "rust-api")), no_std)]

extern crate alloc;

pub mod bindings;
pub mod decode;
pub mod error;
pub mod fetch;
pub mod flow;
pub mod params;
#[cfg(all(target_arch = "wasm32", feature = "runtime", not(feature = "rust-api")))]
mod runtime;
#[cfg(feature = "rust-api")]
pub mod rust_api;
pub mod schema;
pub mod sign_in;
pub mod totp;

pub use bindings::Gatehouse;
