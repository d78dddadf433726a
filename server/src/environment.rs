//! `GET /v1/environment`: the instance settings the SDK needs.

use crate::config::Config;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::wire::{Environment, SignUpSettings};

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

pub async fn show(State(state): State<AppState>) -> Json<Environment> {
    Json(of(&state.config, state.dev))
}
