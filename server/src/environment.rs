//! `GET /v1/environment`: the instance settings the SDK needs, and what
//! the instance can offer of them: phone numbers are off until an SMS
//! sender is configured ([`without_unsendable_phone`]).

use crate::config::Config;
use crate::openapi::PublicRead;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::Strategy;
use gatehouse_protocol::wire::{AttributeSettings, Environment, SignUpSettings};

/// Whether this instance can send an SMS: through `[sms]`, or into the
/// dev outbox.
pub fn can_send_sms(config: &Config, dev: bool) -> bool {
    dev || config.sms.is_some()
}

/// Without an SMS sender, `phone_code` is not offered: a phone number that
/// must be verified at sign-up is turned off altogether (no one could
/// complete such a sign-up), and a required one stops the start. A prepare
/// of `phone_code` then answers 422 `verification_strategy_invalid`, and a
/// phone number in a sign-up 422 `form_param_unknown`, where a code would
/// otherwise have been dropped with a 200.
pub fn without_unsendable_phone(config: &mut Config, dev: bool) -> anyhow::Result<()> {
    let can_send = can_send_sms(config, dev);
    let phone = &mut config.attributes.phone_number;
    if can_send || !phone.verification_strategies.contains(&Strategy::PhoneCode) {
        return Ok(());
    }
    if phone.required {
        anyhow::bail!(
            "attributes.phone_number is required, but no SMS sender is configured: add an [sms] section, make it \
             optional, or turn it off"
        );
    }
    phone.verification_strategies.retain(|s| *s != Strategy::PhoneCode);
    if phone.verify_at_sign_up && phone.verification_strategies.is_empty() {
        *phone = AttributeSettings::default();
        tracing::info!("phone numbers are off: they must be verified at sign-up and no SMS sender is configured");
    } else {
        tracing::info!("phone_code is off: no SMS sender is configured");
    }
    Ok(())
}

/// The environment of an instance with these settings.
pub fn of(config: &Config, dev: bool) -> Environment {
    Environment {
        object: String::from("environment"),
        sign_up: SignUpSettings { mode: config.sign_up_mode, attributes: config.attributes.clone() },
        password_settings: config.password,
        username_settings: config.username,
        dev_mode: dev,
    }
}

#[utoipa::path(
    get,
    path = "/environment",
    operation_id = "environment",
    tag = "environment",
    summary = "The instance settings the SDK needs",
    responses((status = 200, description = "The environment.", body = Environment), PublicRead)
)]
pub async fn show(State(state): State<AppState>) -> Json<Environment> {
    Json(of(&state.config, state.dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_codes_need_an_sms_sender() {
        let mut dev = Config::default();
        without_unsendable_phone(&mut dev, true).unwrap();
        assert_eq!(
            dev.attributes.phone_number,
            Config::default().attributes.phone_number,
            "the outbox sends in dev mode"
        );

        let mut prod = Config::default();
        without_unsendable_phone(&mut prod, false).unwrap();
        assert!(!prod.attributes.phone_number.enabled);
        assert!(prod.strategies(gatehouse_protocol::Field::PhoneNumber).is_empty());
        prod.validate().unwrap();

        // Collected but never verified: stays, without the code.
        let mut unverified = Config::default();
        unverified.attributes.phone_number.verify_at_sign_up = false;
        without_unsendable_phone(&mut unverified, false).unwrap();
        assert!(unverified.attributes.phone_number.enabled);
        assert!(unverified.attributes.phone_number.verification_strategies.is_empty());

        let mut with_sender = Config::from_toml(
            "[sms]\nprovider = \"webhook\"\nwebhook_url = \"https://sms.example.com/send\"\nsigning_secret = \"0123456789abcdef\"\n",
        )
        .unwrap();
        without_unsendable_phone(&mut with_sender, false).unwrap();
        assert_eq!(with_sender.attributes.phone_number, Config::default().attributes.phone_number, "[sms] sends");

        let mut required = Config::default();
        required.attributes.phone_number.required = true;
        let e = without_unsendable_phone(&mut required, false).unwrap_err().to_string();
        assert!(e.contains("attributes.phone_number") && e.contains("SMS"), "{e}");
    }
}
