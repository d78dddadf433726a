//! The HTTP handlers of the sign-up endpoints: extract, run, wrap.

use super::started::Started;
use super::{Attempt, Create, Operation, Prepare, Update, loaded, usable};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::events;
use crate::extract::{Params, SignUpId};
use crate::mail::AskedLocale;
use crate::openapi::{ClientRead, ClientWrite};
use crate::origin::PublicOrigin;
use crate::rate_limit::RateKey;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use gatehouse_protocol::wire::{AttemptParams, Envelope, PrepareParams, SignUp, SignUpParams};

type Answer = Result<Json<Envelope<SignUp>>, ApiError>;

/// Runs an operation and wraps the sign-up in the envelope; a session it
/// made records where it signed in from (`crate::session::activity`): in
/// its own transaction, or, for one made elsewhere (an email link opened in
/// another browser), at the first answer that shows it here.
async fn run(state: &AppState, client: &CurrentClient, id: Option<&str>, op: Operation) -> Answer {
    let (ran, wire_client) = op.run_for(state, client, id).await?;
    if let Some(session_id) = ran.sign_up.created_session_id.as_deref()
        && !ran.session_recorded
    {
        crate::session::activity::started(state, client, session_id).await?;
    }
    Ok(Json(Envelope { response: ran.sign_up, client: wire_client }))
}

#[utoipa::path(
    post,
    path = "/client/sign_ups",
    operation_id = "create_sign_up",
    tag = "sign_ups",
    summary = "Start a sign-up (a new one replaces the client's current one)",
    request_body(content = SignUpParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-up, in the envelope.", body = Envelope<SignUp>), ClientWrite)
)]
pub async fn create(
    State(state): State<AppState>,
    client: CurrentClient,
    started: Started,
    Params(p): Params<SignUpParams>,
) -> Answer {
    let op = Operation::Create(Create::parse(p, &state).await?.started(started));
    run(&state, &client, None, op).await
}

#[utoipa::path(
    patch,
    path = "/client/sign_ups/{id}",
    operation_id = "update_sign_up",
    tag = "sign_ups",
    summary = "Add or change fields",
    params(("id" = String, Path, description = "The sign-up's id.")),
    request_body(content = SignUpParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-up, in the envelope.", body = Envelope<SignUp>), ClientWrite)
)]
pub async fn update(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    Params(p): Params<SignUpParams>,
) -> Answer {
    let op = Operation::Update(Update::parse(p, &state).await?);
    run(&state, &client, Some(&id), op).await
}

#[utoipa::path(
    post,
    path = "/client/sign_ups/{id}/prepare_verification",
    operation_id = "prepare_sign_up_verification",
    tag = "sign_ups",
    summary = "Send a code or an email link",
    params(("id" = String, Path, description = "The sign-up's id.")),
    request_body(content = PrepareParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-up, in the envelope.", body = Envelope<SignUp>), ClientWrite)
)]
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

#[utoipa::path(
    post,
    path = "/client/sign_ups/{id}/attempt_verification",
    operation_id = "attempt_sign_up_verification",
    tag = "sign_ups",
    summary = "Check a code",
    params(("id" = String, Path, description = "The sign-up's id.")),
    request_body(content = AttemptParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The sign-up, in the envelope.", body = Envelope<SignUp>), ClientWrite)
)]
pub async fn attempt(
    State(state): State<AppState>,
    client: CurrentClient,
    SignUpId(id): SignUpId,
    Params(p): Params<AttemptParams>,
) -> Answer {
    let op = Operation::Attempt(Attempt::parse(p, &state).await?);
    run(&state, &client, Some(&id), op).await
}

#[utoipa::path(
    get,
    path = "/client/sign_ups/{id}",
    operation_id = "show_sign_up",
    tag = "sign_ups",
    summary = "The sign-up now",
    params(("id" = String, Path, description = "The sign-up's id.")),
    responses((status = 200, description = "The sign-up, in the envelope.", body = Envelope<SignUp>), ClientRead)
)]
pub async fn show(State(state): State<AppState>, client: CurrentClient, SignUpId(id): SignUpId) -> Answer {
    let sign_up = usable(state.store.sign_up(&id, &client.id).await?)?;
    envelope(&state, &client, super::view::sign_up(&sign_up, &state.config, state.now())).await
}

/// `GET /v1/client/sign_ups/{id}/events`: the sign-up now, then on every change.
#[utoipa::path(
    get,
    path = "/client/sign_ups/{id}/events",
    operation_id = "sign_up_events",
    tag = "sign_ups",
    summary = "The sign-up's event stream (Server-Sent Events)",
    description = "Each `sign_up` event's data is what `GET` of the sign-up answers (see docs/protocol.md); the \
                   stream ends after 30 minutes. 429 `rate_limited` when too many streams are open.",
    params(("id" = String, Path, description = "The sign-up's id.")),
    responses(
        (status = 200, description = "A `text/event-stream`.", content_type = "text/event-stream", body = String),
        ClientRead
    )
)]
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
