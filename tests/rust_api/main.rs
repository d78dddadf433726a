//! The Rust API (feature `rust-api`) in headless Chromium against a real
//! `gatehouse-server`, as a Rust app in the browser uses it.
//!
//! `scripts/test-rust-api.sh` starts the server in dev mode on a free port
//! (its `allowed_origins` the test page's origin, so cookie mode and the
//! Origin check work as for an app) and passes its URL at compile time
//! (`GATEHOUSE_TEST_API`). Codes and links are read from the dev outbox.

#![cfg(target_arch = "wasm32")]

mod errors;
mod magic_link;
mod readme;
mod sessions;
mod sign_up;
mod support;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
