//! The HTTP handlers of the sign-up endpoints: extract, run, wrap.

use super::{Attempt, Create, Operation, Prepare, Update, loaded};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::extract::{Params, SignUpId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::wire::{AttemptParams, Envelope, PrepareParams, SignUp, SignUpParams};

type Answer = Result<Json<Envelope<SignUp>>, ApiError>;

/// Runs an operation and wraps the sign-up in the envelope.
async fn run(state: &AppState, client: &CurrentClient, id: Option<&str>, op: Operation) -> Answer {
    let sign_up = op.run(state, &client.id, id).await?;
    envelope(state, client, sign_up).await
}

pub async fn create(State(state): State<AppState>, client: CurrentClient, Params(p): Params<SignUpParams>) -> Answer {
    let op = Operation::Create(Create::parse(p, &state).await?);
    run(&state, &client, None, op).await
}

pub async fn update(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    Params(p): Params<SignUpParams>,
) -> Answer {
    let op = Operation::Update(Update::parse(p, &state).await?);
    run(&state, &client, Some(&id), op).await
}

pub async fn prepare(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    Params(p): Params<PrepareParams>,
) -> Answer {
    let op = Operation::Prepare(Prepare::parse(p, &state).await?);
    run(&state, &client, Some(&id), op).await
}

pub async fn attempt(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    Params(p): Params<AttemptParams>,
) -> Answer {
    let op = Operation::Attempt(Attempt::parse(p, &state).await?);
    run(&state, &client, Some(&id), op).await
}

pub async fn show(State(state): State<AppState>, client: CurrentClient, SignUpId(id): SignUpId) -> Answer {
    let sign_up = loaded(state.store.sign_up(&id, &client.id).await?)?;
    envelope(&state, &client, sign_up.to_wire(&state.config, state.now())).await
}
