//! Sign-ups: the flow that gathers fields and verifications until it can
//! become a user.
//!
//! - [`machine`]: the status enum's transitions and the requirement lists;
//! - [`record`]: the sign-up as kept, and as shown on the wire;
//! - [`fields`]: validating and applying field params;
//! - one file per operation, all in the same shape (`parse` the body, then
//!   `apply` to the sign-up inside the transaction): [`create`], [`update`],
//!   [`prepare`], [`attempt`];
//! - [`complete`]: the user and session a completed sign-up creates;
//! - [`handlers`]: the HTTP handlers, a few lines each.
//!
//! [`Operation::run`] is the one path every change takes: open a write
//! transaction, check the status allows a change, apply the operation,
//! recompute the lists, complete if they are met, save, commit, and only
//! then deliver any message.

mod attempt;
mod complete;
mod create;
pub mod fields;
pub mod handlers;
pub mod machine;
mod prepare;
pub mod record;
mod update;

pub use attempt::Attempt;
pub use create::Create;
pub use prepare::Prepare;
pub use update::Update;

use crate::db::Tx;
use crate::error::ApiError;
use crate::state::AppState;
use gatehouse_protocol::{ErrorCode, SignUpStatus, wire};
use machine::{Event, Requirements, transition};
use record::SignUpRecord;

pub use crate::verification::Outcome;

/// One change to a sign-up.
#[derive(Debug)]
pub enum Operation {
    Create(Create),
    Update(Update),
    Prepare(Prepare),
    Attempt(Attempt),
}

/// What an operation works with inside its transaction.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub tx: Tx,
    pub client_id: &'a str,
    /// The one "now" of the whole operation.
    pub now: i64,
}

impl Operation {
    /// Runs the operation on sign-up `id` (or on a new one, for a create)
    /// of `client_id`, and answers the sign-up as it is afterwards.
    pub async fn run(self, state: &AppState, client_id: &str, id: Option<&str>) -> Result<wire::SignUp, ApiError> {
        let now = state.now();
        let mut ctx = Ctx { state, tx: state.store.begin().await?, client_id, now };
        let (mut sign_up, is_new) = match (&self, id) {
            (Operation::Create(_), _) => (Create::start(&mut ctx).await?, true),
            (_, Some(id)) => (loaded(ctx.tx.sign_up(id, client_id).await?)?, false),
            (_, None) => return Err(ApiError::Refused(ErrorCode::SignUpNotFound)),
        };
        let status = transition(sign_up.status_at(now), Event::Change)?;
        let outcome = match self {
            Operation::Create(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Update(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Prepare(op) => op.apply(&mut ctx, &mut sign_up).await?,
            Operation::Attempt(op) => op.apply(&mut ctx, &mut sign_up).await?,
        };
        let lists = Requirements::of(&sign_up, &state.config, now);
        let next = transition(status, Event::Recomputed(&lists))?;
        if next == SignUpStatus::Complete && sign_up.status != SignUpStatus::Complete {
            complete::create_user_and_session(&mut ctx, &mut sign_up).await?;
        }
        sign_up.status = next;
        ctx.tx.save_sign_up(&sign_up, is_new).await?;
        ctx.tx.commit().await?;
        outcome.finish(state, now).await?;
        Ok(sign_up.to_wire(&state.config, now))
    }
}

/// A sign-up found for this client, or `sign_up_not_found`.
pub(crate) fn loaded(found: Option<SignUpRecord>) -> Result<SignUpRecord, ApiError> {
    found.ok_or(ApiError::Refused(ErrorCode::SignUpNotFound))
}
