//! The HTTP handlers of the sign-up endpoints: extract, run, wrap.

use super::started::Started;
use super::{Attempt, Create, Operation, Prepare, Update, loaded, usable};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::events;
use crate::extract::{Params, SignUpId};
use crate::mail::AskedLocale;
use crate::origin::PublicOrigin;
use crate::rate_limit::RateKey;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use gatehouse_protocol::wire::{AttemptParams, Envelope, PrepareParams, SignUp, SignUpParams};

type Answer = Result<Json<Envelope<SignUp>>, ApiError>;

/// Runs an operation and wraps the sign-up in the envelope.
async fn run(state: &AppState, client: &CurrentClient, id: Option<&str>, op: Operation) -> Answer {
    let ran = op.run(state, &client.id, id).await?;
    envelope(state, client, ran.sign_up).await
}

pub async fn create(
    State(state): State<AppState>,
    client: CurrentClient,
    started: Started,
    Params(p): Params<SignUpParams>,
) -> Answer {
    let op = Operation::Create(Create::parse(p, &state).await?.started(started));
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
    origin: Option<PublicOrigin>,
    asked: AskedLocale,
    Params(p): Params<PrepareParams>,
) -> Answer {
    let op = Operation::Prepare(Prepare::parse(p, &state, origin, asked).await?);
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
    let sign_up = usable(state.store.sign_up(&id, &client.id).await?)?;
    envelope(&state, &client, super::view::sign_up(&sign_up, &state.config, state.now())).await
}

/// `GET /v1/client/sign_ups/{id}/events`: the sign-up now, then on every change.
pub async fn events(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    key: Option<Extension<RateKey>>,
) -> Result<Response, ApiError> {
    let opener = events::Opener { client_id: client.id.clone(), ip: key.map(|Extension(RateKey(ip))| ip) };
    // Listen first, then read: no change can fall in between.
    let subscription = state.hub.subscribe(&id, opener).map_err(events::refusal)?;
    let sign_up = loaded(state.store.sign_up(&id, &client.id).await?)?;
    Ok(super::stream::response(state, client, subscription, sign_up))
}
