//! The SDK in headless Chromium against a real `gatehouse-server`.
//!
//! `scripts/test-browser.sh` starts the server on a free port with a
//! temporary SQLite file and passes its URL at compile time
//! (`GATEHOUSE_TEST_API`), with the URL of a closed port
//! (`GATEHOUSE_TEST_CLOSED`), and the URL of a second server at the
//! default rate limits (`GATEHOUSE_TEST_API_LIMITED`, see `rate_limits`),
//! and of a third that requires a second factor (`GATEHOUSE_TEST_API_MFA`,
//! see `mfa_required`).
//! The tests drive the SDK through its JS
//! surface (methods and properties looked up on the JS objects), read codes
//! from the dev outbox and invite with the dev invitation helper.

#![cfg(target_arch = "wasm32")]

mod errors;
mod landing;
mod listeners;
mod magic_link;
mod mfa_required;
mod password_reset;
mod rate_limits;
mod sessions;
mod sign_in;
mod sign_up;
mod support;
mod tickets;
mod tokens;
mod totp;
mod user_sessions;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
