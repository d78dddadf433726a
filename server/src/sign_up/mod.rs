//! Sign-ups: the flow that gathers fields and verifications until it can
//! become a user.
//!
//! - [`machine`]: the status enum's transitions and the requirement lists;
//! - [`record`]: the sign-up as kept, and as shown on the wire;
//! - [`fields`]: validating and applying field params;
//! - one file per operation, all in the same shape (`parse` the request,
//!   then `apply` to the sign-up inside the transaction): [`Create`],
//!   [`Update`], [`Prepare`], [`Attempt`], and [`ConfirmLink`] and
//!   [`CancelByOwner`] (an email link confirmed, or refused by the owner of
//!   the address, from `crate::verify`);
//! - [`started`]: where a sign-up began (User-Agent, IP), recorded at
//!   create for the link's page;
//! - `complete`: the user and session a completed sign-up creates (and
//!   the invitation its ticket accepts);
//! - [`handlers`]: the HTTP handlers, a few lines each.
//!
//! [`Operation::run`] is the one path every change takes: open a write
//! transaction, check the status allows a change, apply the operation,
//! recompute the lists, complete if they are met, save, commit, and only
//! then announce the change to the event streams and deliver any message.
//! Every way a sign-up completes (an update, a code, a link, a ticket)
//! takes it, so each one accepts its invitation, obeys the sign-up mode
//! and is announced alike. Codes and the resend limit are the shared
//! machinery of `crate::verification`, which sign-ins use too.

mod attempt;
pub mod cancel;
mod complete;
pub mod confirm_link;
mod create;
pub mod fields;
pub mod handlers;
pub mod machine;
mod prepare;
pub mod started;
pub mod stream;
mod update;
pub mod view;

pub use attempt::Attempt;
pub use cancel::CancelByOwner;
pub use confirm_link::ConfirmLink;
pub use create::Create;
pub use prepare::Prepare;
pub use update::Update;

use crate::client::CurrentClient;
use crate::db::Tx;
use crate::device::Device;
use crate::error::ApiError;
use crate::ids;
use crate::model::SignUpRecord;
use crate::state::AppState;
use gatehouse_protocol::{EmailLinkStatus, ErrorCode, SignUpStatus, wire};
use machine::{Event, transition};

pub use crate::verification::Outcome;

/// One change to a sign-up.
#[derive(Debug)]
pub enum Operation {
    Create(Create),
    Update(Update),
    Prepare(Prepare),
    Attempt(Attempt),
    ConfirmLink(ConfirmLink),
    CancelByOwner(CancelByOwner),
}

/// What an operation works with inside its transaction.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub tx: Tx,
    /// The client of the sign-up (for a confirmed link, not necessarily
    /// the browser that opened it).
    pub client_id: &'a str,
    /// The one "now" of the whole operation.
    pub now: i64,
    /// The browser of the request, when it is the client's own: a session
    /// the operation makes is recorded as signed in from it.
    pub device: Option<&'a Device>,
    /// How a link confirmation ended (`gh_status`), set by
    /// [`ConfirmLink`]; for [`CancelByOwner`], why the link could not
    /// cancel (`None`: it cancelled).
    pub link: Option<EmailLinkStatus>,
}

/// What a run answers.
#[derive(Debug)]
pub struct Ran {
    /// The sign-up as it is afterwards.
    pub sign_up: wire::SignUp,
    /// For [`Operation::ConfirmLink`]: how it ended.
    pub link: Option<EmailLinkStatus>,
    /// For [`Operation::ConfirmLink`] from the sign-up's own browser: the
    /// client's new token, when the completion made a replacement due and
    /// the transaction made it (the 303 sets it as the cookie).
    pub token: Option<String>,
    /// Whether the operation made a session and recorded where it was
    /// signed in from (the client's own request): nothing left to record.
    pub session_recorded: bool,
}

impl Operation {
    /// Runs the operation on sign-up `id` (or on a new one, for a create)
    /// of `client_id`, for a request that is not the client's own (an
    /// email link opened anywhere).
    pub async fn run(self, state: &AppState, client_id: &str, id: Option<&str>) -> Result<Ran, ApiError> {
        Ok(self.run_in(state, client_id, id, None).await?.0)
    }

    /// Runs the operation for the client's own request, and answers the
    /// client resource too, read in the same transaction. That transaction
    /// also stores the client if it is new and replaces its token if that
    /// is due (a completion made a session), handing the token to the
    /// middleware through `client.token` (`crate::client::TokenSlot`):
    /// one commit for all of it.
    pub async fn run_for(
        self,
        state: &AppState,
        client: &CurrentClient,
        id: Option<&str>,
    ) -> Result<(Ran, wire::Client), ApiError> {
        let (ran, resource) = self.run_in(state, &client.id, id, Some(client)).await?;
        let resource = resource.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the client was not read")))?;
        Ok((ran, resource))
    }

    async fn run_in(
        mut self,
        state: &AppState,
        client_id: &str,
        id: Option<&str>,
        own: Option<&CurrentClient>,
    ) -> Result<(Ran, Option<wire::Client>), ApiError> {
        self.hash_password(state, client_id, id).await?;
        let now = state.now();
        let tx = state.store.begin().await?;
        let mut ctx = Ctx { state, tx, client_id, now, device: own.map(|c| &c.device), link: None };
        let new_client = own.and_then(|c| c.token.to_store());
        if let Some(token) = &new_client {
            ctx.tx.create_client(client_id, &ids::token_hash(token), now).await?;
        }
        let (mut sign_up, is_new) = match (&self, id) {
            (Operation::Create(_), _) => (Create::start(&mut ctx, new_client.is_none()).await?, true),
            (_, Some(id)) => (usable(ctx.tx.sign_up(id, client_id).await?)?, false),
            (_, None) => return Err(ApiError::Refused(ErrorCode::SignUpNotFound)),
        };
        let before = sign_up.clone();
        let own_browser = match &self {
            Operation::ConfirmLink(op) if own.is_none() => op.own_browser(client_id),
            _ => None,
        };
        let status = transition(sign_up.status_at(now), Event::Change)?;
        let outcome = match self {
            Operation::Create(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Update(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Prepare(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Attempt(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::ConfirmLink(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::CancelByOwner(op) => op.apply(&mut ctx, &mut sign_up).await?,
        };
        let lists = machine::requirements(&sign_up, &state.config, now);
        let event = if sign_up.cancelled_at.is_some() { Event::CancelledByOwner } else { Event::Recomputed(&lists) };
        let next = transition(status, event)?;
        if next == SignUpStatus::Complete && sign_up.status != SignUpStatus::Complete {
            complete::create_user_and_session(&mut ctx, &mut sign_up).await?;
        }
        sign_up.status = next;
        if sign_up.status == SignUpStatus::Complete && before.status != SignUpStatus::Complete {
            let completed = crate::webhooks::data(&view::sign_up(&sign_up, &state.config, now));
            ctx.tx.record_event(crate::model::WebhookEvent::SignUpCompleted, completed, now).await?;
        }
        if is_new || sign_up != before {
            ctx.tx.save_sign_up(&sign_up, is_new).await?;
        }
        let mut replaced = None;
        let resource = match own {
            Some(_) => {
                let (resource, rotate_due) = ctx.tx.client(client_id, now).await?;
                if rotate_due {
                    let token = ids::new_token();
                    if ctx.tx.rotate_client_token(client_id, &ids::token_hash(&token), now).await? {
                        replaced = Some(token);
                    }
                }
                Some(resource)
            }
            None => {
                // A link confirmed in the sign-up's own browser replaces the
                // token now, as the client's own request would: the old
                // token never sees the session.
                if let Some(wait_hash) = own_browser {
                    let token = ids::new_token();
                    let hash = ids::token_hash(&token);
                    if ctx.tx.rotate_client_token_for(client_id, &hash, now, wait_hash.as_deref()).await? {
                        replaced = Some(token);
                    }
                }
                None
            }
        };
        // Announces every sign-up it saved (this one, one a create abandoned).
        ctx.tx.commit().await?;
        let token = match own {
            Some(own) => {
                own.token.committed(new_client.is_some(), replaced);
                None
            }
            None => replaced,
        };
        crate::telemetry::sign_up_saved(is_new, before.created_user_id.is_none() && sign_up.created_user_id.is_some());
        let link = ctx.link;
        outcome.finish(state, now).await?;
        let session_recorded =
            own.is_some() && before.created_session_id.is_none() && sign_up.created_session_id.is_some();
        let ran = Ran { sign_up: view::sign_up(&sign_up, &state.config, now), link, token, session_recorded };
        Ok((ran, resource))
    }
}

impl Operation {
    /// Hashes a new password ahead of the transaction (the write lock is not
    /// held through a slow hash). An update first checks that its sign-up
    /// exists and can change: a request naming an unknown or closed sign-up
    /// answers before any hashing. The transaction checks again.
    async fn hash_password(&mut self, state: &AppState, client_id: &str, id: Option<&str>) -> Result<(), ApiError> {
        let is_update = matches!(self, Operation::Update(_));
        let changes = match self {
            Operation::Create(op) => op.changes_mut(),
            Operation::Update(op) => op.changes_mut(),
            _ => return Ok(()),
        };
        if !changes.has_plain_password() {
            return Ok(());
        }
        if is_update && let Some(id) = id {
            let sign_up = loaded(state.store.sign_up(id, client_id).await?)?;
            transition(sign_up.status_at(state.now()), Event::Change)?;
        }
        changes.hash_password(&state.hasher).await
    }
}

/// A sign-up found for this client, or `sign_up_not_found`.
pub(crate) fn loaded(found: Option<SignUpRecord>) -> Result<SignUpRecord, ApiError> {
    found.ok_or(ApiError::Refused(ErrorCode::SignUpNotFound))
}

/// A sign-up found for this client that the owner of its address has not
/// cancelled: a cancelled one answers 410 `sign_up_cancelled_by_owner` to
/// every read and change (its event stream still shows it `abandoned`,
/// so a waiting tab learns at once, then reads this).
pub(crate) fn usable(found: Option<SignUpRecord>) -> Result<SignUpRecord, ApiError> {
    let sign_up = loaded(found)?;
    match sign_up.cancelled_at {
        Some(_) => Err(ApiError::Refused(ErrorCode::SignUpCancelledByOwner)),
        None => Ok(sign_up),
    }
}
