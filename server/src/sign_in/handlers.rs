//! The HTTP handlers of the sign-in endpoints: extract, run, wrap.

use super::{Attempt, Create, Operation, Prepare, ResetPassword, loaded};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::extract::{Params, SignInId};
use crate::mail::AskedLocale;
use crate::peer_ip::PeerIp;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::wire::{
    AttemptFirstFactorParams, Envelope, PrepareFirstFactorParams, ResetPasswordParams, SignIn, SignInParams,
};

type Answer = Result<Json<Envelope<SignIn>>, ApiError>;

/// Runs an operation and wraps the sign-in in the envelope.
async fn run(state: &AppState, client: &CurrentClient, id: Option<&str>, op: Operation) -> Answer {
    let sign_in = op.run(state, &client.id, id).await?;
    envelope(state, client, sign_in).await
}

pub async fn create(
    State(state): State<AppState>,
    client: CurrentClient,
    ip: PeerIp,
    asked: AskedLocale,
    Params(p): Params<SignInParams>,
) -> Answer {
    let op = Operation::Create(Create::parse(p, &state, ip, asked).await?);
    run(&state, &client, None, op).await
}

pub async fn prepare(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    asked: AskedLocale,
    Params(p): Params<PrepareFirstFactorParams>,
) -> Answer {
    let op = Operation::Prepare(Prepare::parse(p, asked)?);
    run(&state, &client, Some(&id), op).await
}

pub async fn attempt(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    ip: PeerIp,
    Params(p): Params<AttemptFirstFactorParams>,
) -> Answer {
    let op = Operation::Attempt(Attempt::parse(p, &state, &client.id, &id, ip).await?);
    run(&state, &client, Some(&id), op).await
}

pub async fn reset_password(
    State(state): State<AppState>,
    client: CurrentClient,
    SignInId(id): SignInId,
    asked: AskedLocale,
    Params(p): Params<ResetPasswordParams>,
) -> Answer {
    let op = Operation::ResetPassword(ResetPassword::parse(p, &state, &client.id, &id, asked).await?);
    run(&state, &client, Some(&id), op).await
}

pub async fn show(State(state): State<AppState>, client: CurrentClient, SignInId(id): SignInId) -> Answer {
    let now = state.now();
    let sign_in = loaded(state.store.sign_in(&id, &client.id).await?, now)?;
    envelope(&state, &client, super::view::sign_in(&sign_in, now)).await
}
