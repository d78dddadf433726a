//! The model: plain records as the server keeps them, and their pure rules
//! (a status at a time, what a sign-up still needs). One file per family.
//!
//! It sits under storage: `db/` reads and writes these records, the flows
//! change them, and each flow's `view.rs` shows them on the wire. It imports
//! only `gatehouse_protocol` and the basics ([`crate::ids`]), plus the pure
//! crates a record's own rules need (the key's Ed25519 and thumbprint, a
//! webhook payload's RFC 3339 time);
//! never config, storage, a flow, HTTP, JWTs or `gatehouse_protocol::wire`
//! (`tests/api/imports.rs` checks it).

pub mod invitation;
pub mod key;
pub mod sign_in;
pub mod sign_up;
pub mod totp;
pub mod user;
pub mod verification;
pub mod webhook;

pub use invitation::InvitationRecord;
pub use key::KeyRecord;
pub use sign_in::SignInRecord;
pub use sign_up::{FieldRule, Requirements, SignUpRecord};
pub use totp::TotpRecord;
pub use user::UserRecord;
pub use verification::VerificationRecord;
pub use webhook::{DeliveryStatus, WebhookDelivery, WebhookEvent};
