//! The Gatehouse wire protocol, in code.
//!
//! This crate is the contract between the browser SDK (the `gatehouse`
//! wasm crate) and `gatehouse-server`. It holds:
//!
//! - [`field`]: the sign-up field names, as one enum with its wire names;
//! - [`error_code`]: the stable error codes with their HTTP status and
//!   end-user messages;
//! - [`vocabulary`]: strategies, statuses and other small enums of the wire
//!   (with the `gh_status` values of an email link's redirect);
//! - [`validate`]: the field validation that both sides run, so the SDK can
//!   refuse bad input before sending and the server refuses it again;
//! - [`wire`] (feature `serde`: the server, and the SDK's Rust API, feature
//!   `rust-api`): the JSON shapes.
//!
//! Invariants: this crate does no I/O, knows neither axum, sqlx nor
//! wasm-bindgen, and uses no `format!` outside the `serde` feature, so the
//! SDK can link it without pulling in `core::fmt` machinery. Without the
//! `serde` feature it is `no_std` (it needs only `alloc`).

#![forbid(unsafe_code)]
// The SDK links this crate without std (its wasm build brings its own tiny
// runtime); the server's serde side and the tests use std.
#![cfg_attr(not(any(test, feature = "serde")), no_std)]

extern crate alloc;

pub mod error_code;
pub mod field;
pub mod validate;
pub mod vocabulary;
#[cfg(feature = "serde")]
pub mod wire;

pub use error_code::ErrorCode;
pub use field::Field;
pub use validate::FieldError;
pub use vocabulary::{
    EmailLinkStatus, FirstFactor, InvitationStatus, NextAction, SecondFactor, SignInStatus, SignUpMode, SignUpStatus,
    Strategy, VerificationStatus,
};
