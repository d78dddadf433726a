//! Sign-ins: a client proving it is a user, by password or by a code sent
//! to their email, ending in a session; or, by a reset code or link,
//! setting a new password first ([`reset_password`], [`reset_link`]).
//!
//! The same shape as `crate::sign_up`:
//! - [`machine`]: the status transitions;
//! - [`record`]: the sign-in as kept, and as shown on the wire;
//! - [`factors`]: which first factors an account offers;
//! - one file per operation (`parse` the body, then `apply` inside the
//!   transaction): [`Create`], [`Prepare`], [`Attempt`], [`ResetPassword`],
//!   [`AttemptSecondFactor`] (a user with TOTP on: `crate::totp`),
//!   [`ConfirmResetLink`] (a reset link confirmed on its page, `crate::verify`);
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
pub mod reset_link;
pub mod reset_password;
mod second_factor;
pub mod view;

pub use attempt::Attempt;
pub use create::Create;
pub use prepare::Prepare;
pub use reset_link::ConfirmResetLink;
pub use reset_password::ResetPassword;
pub use second_factor::AttemptSecondFactor;

use crate::db::{Tx, UserKey};
use crate::delivery::Message;
use crate::error::ApiError;
use crate::model::sign_in::PendingPassword;
use crate::model::{SignInRecord, UserRecord};
use crate::session::alert::SignedInFrom;
use crate::sign_in::lockout::Rehash;
use crate::state::AppState;
use crate::verification::Outcome;
use gatehouse_protocol::{ErrorCode, SignInStatus, wire};
use machine::{Event, transition};

/// One change to a sign-in.
#[derive(Debug)]
pub enum Operation {
    Create(Create),
    Prepare(Prepare),
    Attempt(Attempt),
    ResetPassword(ResetPassword),
    AttemptSecondFactor(AttemptSecondFactor),
    /// Run for the sign-in's own client, from the link's page.
    ConfirmLink(ConfirmResetLink),
}

/// What an operation works with inside its transaction.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub tx: Tx,
    pub client_id: &'a str,
    /// Where the request comes from: what a "new sign-in" email says.
    pub from: SignedInFrom<'a>,
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
    /// A right password reset code, or a reset link confirmed: a new
    /// password is next.
    ResetCode,
    /// The new password after a reset code, hashed, with the language of
    /// the "password changed" email.
    NewPassword(PendingPassword),
    /// A right TOTP or backup code, after the first factor.
    SecondFactor,
}

impl Proof {
    /// What it does to the sign-in.
    fn event(&self) -> Event {
        match self {
            Proof::Password(_) | Proof::EmailCode => Event::Proven,
            Proof::ResetCode => Event::ResetProven,
            Proof::NewPassword(_) => Event::NewPassword,
            Proof::SecondFactor => Event::SecondProven,
        }
    }
}

impl Operation {
    /// Runs the operation on sign-in `id` (or on a new one, for a create)
    /// of `client_id`, asked `from` there, and answers the sign-in as it is
    /// afterwards.
    pub async fn run(
        self,
        state: &AppState,
        client_id: &str,
        from: SignedInFrom<'_>,
        id: Option<&str>,
    ) -> Result<wire::SignIn, ApiError> {
        let now = state.now();
        let mut ctx = Ctx { state, tx: state.store.begin().await?, client_id, from, now };
        let (mut sign_in, is_new) = match (&self, id) {
            (Operation::Create(op), _) => (op.start(&ctx), true),
            (_, Some(id)) => (loaded(ctx.tx.sign_in(id, client_id).await?, now)?, false),
            (_, None) => return Err(ApiError::Refused(ErrorCode::SignInNotFound)),
        };
        let event = match self {
            Operation::ResetPassword(_) => Event::NewPassword,
            Operation::AttemptSecondFactor(_) => Event::SecondProven,
            _ => Event::Change,
        };
        transition(sign_in.status, event)?;
        let step = match self {
            Operation::Create(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::Prepare(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::Attempt(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::ResetPassword(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::AttemptSecondFactor(op) => op.apply(&mut ctx, &mut sign_in).await?,
            Operation::ConfirmLink(op) => op.apply(&mut ctx, &mut sign_in).await?,
        };
        let (mut notice, mut alert) = (None, None);
        if let Some(proof) = step.proof {
            let event = proof.event();
            let next = transition(sign_in.status, event)?;
            let second_factor_on = match (next, sign_in.user_id.as_deref()) {
                (SignInStatus::Complete, Some(user_id)) => crate::totp::check::is_on(&mut ctx.tx, user_id).await?,
                _ => false,
            };
            sign_in.status = machine::second_factor_due(next, event, second_factor_on);
            if matches!(sign_in.status, SignInStatus::Complete | SignInStatus::NeedsSecondFactor) {
                notice = complete::apply_proof(&mut ctx, &mut sign_in, proof).await?;
            }
            if sign_in.status == SignInStatus::Complete {
                alert = complete::create_session(&mut ctx, &mut sign_in).await?;
            }
        }
        ctx.tx.save_sign_in(&sign_in, is_new).await?;
        ctx.tx.commit().await?;
        for message in [notice, alert].into_iter().flatten() {
            notify(state, message).await;
        }
        step.outcome.finish(state, now).await?;
        Ok(view::sign_in(&sign_in, now))
    }
}

/// Queues a notice about a change already committed: if it cannot be
/// queued, the change stands and the error is logged.
async fn notify(state: &AppState, message: Message) {
    if let Err(e) = state.sender.send(message, None).await {
        tracing::error!(error = ?e, "could not queue a notice to the user");
    }
}

/// The user of a sign-in. A reset for an address without an account has
/// none: it reads an id that matches nobody, the same read as for one that
/// exists.
pub(crate) async fn user_of(tx: &mut Tx, sign_in: &SignInRecord) -> Result<Option<UserRecord>, ApiError> {
    Ok(tx.user(UserKey::Id(sign_in.user_id.as_deref().unwrap_or_default())).await?)
}

/// A live sign-in found for this client, or `sign_in_not_found`.
pub(crate) fn loaded(found: Option<SignInRecord>, now: i64) -> Result<SignInRecord, ApiError> {
    found.filter(|s| now < s.abandon_at).ok_or(ApiError::Refused(ErrorCode::SignInNotFound))
}
