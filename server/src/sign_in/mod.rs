//! Sign-ins: a client proving it is a user, by password or by a code sent
//! to their email, ending in a session.
//!
//! The same shape as `crate::sign_up`:
//! - [`machine`]: the status transitions;
//! - [`record`]: the sign-in as kept, and as shown on the wire;
//! - [`factors`]: which first factors an account offers;
//! - one file per operation (`parse` the body, then `apply` inside the
//!   transaction): [`Create`], [`Prepare`], [`Attempt`];
//! - `complete`: the session a proven sign-in creates;
//! - [`handlers`]: the HTTP handlers.
//!
//! Passwords are checked in `parse`, before the write transaction (a check
//! takes tens of milliseconds), under the per-account limit of
//! `crate::sign_in::lockout`. Codes use the sign-up machinery (`crate::verification`).

mod attempt;
mod complete;
mod create;
pub mod factors;
pub mod handlers;
pub mod lockout;
pub mod machine;
mod prepare;
pub mod view;

pub use attempt::Attempt;
pub use create::Create;
pub use prepare::Prepare;

use crate::db::Tx;
use crate::error::ApiError;
use crate::model::SignInRecord;
use crate::sign_in::lockout::Rehash;
use crate::state::AppState;
use crate::verification::Outcome;
use gatehouse_protocol::{ErrorCode, wire};
use machine::{Event, transition};

/// One change to a sign-in.
#[derive(Debug)]
pub enum Operation {
    Create(Create),
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

/// What an operation did: what is left after the commit, and the proof of
/// the first factor if it was proven.
#[derive(Debug, Default)]
pub struct Step {
    pub outcome: Outcome,
    pub proof: Option<Proof>,
}

/// How the first factor was proven.
#[derive(Debug)]
pub enum Proof {
    /// A right password, with the hash to store instead of an outdated one.
    Password(Option<Rehash>),
    /// A right code sent to the account's email.
    EmailCode,
}

impl Operation {
    /// Runs the operation on sign-in `id` (or on a new one, for a create)
    /// of `client_id`, and answers the sign-in as it is afterwards.
    pub async fn run(self, state: &AppState, client_id: &str, id: Option<&str>) -> Result<wire::SignIn, ApiError> {
        let now = state.now();
        let mut ctx = Ctx { state, tx: state.store.begin().await?, client_id, now };
        let (mut sign_in, is_new) = match (&self, id) {
            (Operation::Create(op), _) => (op.start(&ctx), true),
            (_, Some(id)) => (loaded(ctx.tx.sign_in(id, client_id).await?, now)?, false),
            (_, None) => return Err(ApiError::Refused(ErrorCode::SignInNotFound)),
        };
        transition(sign_in.status, Event::Change)?;
        let step = match self {
            Operation::Create(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::Prepare(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::Attempt(op) => op.apply(&mut ctx, &mut sign_in).await?,
        };
        if let Some(proof) = step.proof {
            sign_in.status = transition(sign_in.status, Event::Proven)?;
            complete::create_session(&mut ctx, &mut sign_in, proof).await?;
        }
        ctx.tx.save_sign_in(&sign_in, is_new).await?;
        ctx.tx.commit().await?;
        step.outcome.finish(state, now).await?;
        Ok(view::sign_in(&sign_in, now))
    }
}

/// A live sign-in found for this client, or `sign_in_not_found`.
pub(crate) fn loaded(found: Option<SignInRecord>, now: i64) -> Result<SignInRecord, ApiError> {
    found.filter(|s| now < s.abandon_at).ok_or(ApiError::Refused(ErrorCode::SignInNotFound))
}
