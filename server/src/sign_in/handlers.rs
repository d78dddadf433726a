//! The HTTP handlers of the sign-in endpoints: extract, run, wrap.

use super::create::Requester;
use super::{Attempt, AttemptSecondFactor, Create, Operation, Prepare, ResetPassword, loaded};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::extract::{Params, SignInId};
use crate::mail::{AskedLocale, Locale};
use crate::openapi::{ClientRead, ClientWrite};
use crate::origin::PublicOrigin;
use crate::peer_ip::PeerIp;
use crate::session::alert::SignedInFrom;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::wire::{
    AttemptFirstFactorParams, AttemptSecondFactorParams, Envelope, PrepareFirstFactorParams, ResetPasswordParams,
    SignIn, SignInParams,
};

type Answer = Result<Json<Envelope<SignIn>>, ApiError>;

/// Runs an operation and wraps the sign-in in the envelope; a session it
/// made records where it signed in from (`crate::session::activity`), and
/// from a new browser the user is told (`crate::session::alert`, in the
/// language `asked`).
async fn run(state: &AppState, client: &CurrentClient, asked: AskedLocale, id: Option<&str>, op: Operation) -> Answer {
    let from = SignedInFrom { device: &client.device, locale: Locale::choose(None, asked) };
    let sign_in = op.run(state, &client.id, from, id).await?;
    if let Some(session_id) = sign_in.created_session_id.as_deref() {
        crate::session::activity::started(state, client, session_id).await?;
    }
    envelope(state, client, sign_in).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ins",
    operation_id = "create_sign_in",
    tag = "sign_ins",
    summary = "Start a sign-in with an identifier (and a password), or a password reset by code or link",
    request_body(content = SignInParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientWrite)
)]
pub async fn create(
    State(state): State<AppState>,
    client: CurrentClient,
    ip: PeerIp,
    origin: Option<PublicOrigin>,
    asked: AskedLocale,
    Params(p): Params<SignInParams>,
) -> Answer {
    let from = Requester { ip, origin, device: client.device.clone(), bearer: client.bearer };
    let op = Operation::Create(Create::parse(p, &state, from, asked).await?);
    run(&state, &client, asked, None, op).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ins/{id}/prepare_first_factor",
    operation_id = "prepare_first_factor",
    tag = "sign_ins",
    summary = "Choose the first factor (send a code, or a password reset code or link)",
    params(("id" = String, Path, description = "The sign-in's id.")),
    request_body(content = PrepareFirstFactorParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientWrite)
)]
pub async fn prepare(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    origin: Option<PublicOrigin>,
    asked: AskedLocale,
    Params(p): Params<PrepareFirstFactorParams>,
) -> Answer {
    let op = Operation::Prepare(Prepare::parse(p, asked, origin, client.device.clone(), client.bearer, &state.config)?);
    run(&state, &client, asked, Some(&id), op).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ins/{id}/attempt_first_factor",
    operation_id = "attempt_first_factor",
    tag = "sign_ins",
    summary = "Prove the first factor (a code or the password)",
    params(("id" = String, Path, description = "The sign-in's id.")),
    request_body(content = AttemptFirstFactorParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientWrite)
)]
pub async fn attempt(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    ip: PeerIp,
    asked: AskedLocale,
    Params(p): Params<AttemptFirstFactorParams>,
) -> Answer {
    let op = Operation::Attempt(Attempt::parse(p, &state, &client.id, &id, ip).await?);
    run(&state, &client, asked, Some(&id), op).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ins/{id}/reset_password",
    operation_id = "reset_password",
    tag = "sign_ins",
    summary = "Set a new password after a reset code or link, which completes the sign-in",
    params(("id" = String, Path, description = "The sign-in's id.")),
    request_body(content = ResetPasswordParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientWrite)
)]
pub async fn reset_password(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    asked: AskedLocale,
    Params(p): Params<ResetPasswordParams>,
) -> Answer {
    let op = Operation::ResetPassword(ResetPassword::parse(p, &state, &client.id, &id, asked).await?);
    run(&state, &client, asked, Some(&id), op).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ins/{id}/attempt_second_factor",
    operation_id = "attempt_second_factor",
    tag = "sign_ins",
    summary = "Prove the second factor (a TOTP or backup code), which completes the sign-in",
    params(("id" = String, Path, description = "The sign-in's id.")),
    request_body(content = AttemptSecondFactorParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientWrite)
)]
pub async fn attempt_second_factor(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    asked: AskedLocale,
    Params(p): Params<AttemptSecondFactorParams>,
) -> Answer {
    let op = Operation::AttemptSecondFactor(AttemptSecondFactor::parse(p)?);
    run(&state, &client, asked, Some(&id), op).await
}

#[utoipa::path(
    get,
    path = "/client/sign_ins/{id}",
    operation_id = "show_sign_in",
    tag = "sign_ins",
    summary = "The sign-in now",
    params(("id" = String, Path, description = "The sign-in's id.")),
    responses((status = 200, description = "The sign-in, in the envelope.", body = Envelope<SignIn>), ClientRead)
)]
pub async fn show(State(state): State<AppState>, client: CurrentClient, SignInId(id): SignInId) -> Answer {
    let now = state.now();
    let sign_in = loaded(state.store.sign_in(&id, &client.id).await?, now)?;
    envelope(&state, &client, super::view::sign_in(&sign_in, now)).await
}
