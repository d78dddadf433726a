//! How the API shows a sign-up: its wire form, with the requirement lists
//! and the strategies this instance supports for each field.

use super::machine;
use crate::config::Config;
use crate::model::{SignUpRecord, VerificationRecord};
use gatehouse_protocol::{Field, Strategy, wire};

/// The sign-up as the API shows it at `now`.
pub fn sign_up(record: &SignUpRecord, config: &Config, now: i64) -> wire::SignUp {
    let lists = machine::requirements(record, config, now);
    let of_field = |field| record.verification(field).map(|v| verification(v, config.strategies(field), now));
    wire::SignUp {
        object: String::from("sign_up"),
        id: record.id.clone(),
        status: record.status_at(now),
        required_fields: lists.required,
        optional_fields: lists.optional,
        missing_fields: lists.missing,
        unverified_fields: lists.unverified,
        verifications: wire::Verifications {
            email_address: of_field(Field::EmailAddress),
            phone_number: of_field(Field::PhoneNumber),
        },
        username: record.username.clone(),
        email_address: record.email_address.clone(),
        phone_number: record.phone_number.clone(),
        web3_wallet: record.web3_wallet.clone(),
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        has_password: record.password_hash.is_some(),
        legal_accepted: record.legal_accepted,
        unsafe_metadata: record.unsafe_metadata.clone(),
        created_session_id: record.created_session_id.clone(),
        created_user_id: record.created_user_id.clone(),
        abandon_at: record.abandon_at,
    }
}

/// A field's verification on the wire, with the strategies that may verify it.
pub fn verification(v: &VerificationRecord, supported: &[Strategy], now: i64) -> wire::Verification {
    wire::Verification {
        status: v.status_at(now),
        strategy: v.strategy,
        attempts: v.attempts,
        expire_at: v.expire_at,
        next_action: v.next_action(now),
        supported_strategies: supported.to_vec(),
        verified_at_client: v.verified_at_client.clone(),
    }
}
