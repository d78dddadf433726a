//! [`SignIn`]: the sign-in operations of the Rust API, each built by
//! [`crate::sign_in::request`] (the identifier, code and password checked
//! before sending), sent, and kept as the current sign-in. A sign-in that
//! completes makes a session: [`Gatehouse::session`].

use super::{wire, Gatehouse, Result};
use crate::sign_in::{self, Op};
use gatehouse_protocol::wire::{AttemptFirstFactorParams, SignInParams};
use gatehouse_protocol::FirstFactor;

/// The sign-in of a [`Gatehouse`]; its clones share it.
#[derive(Clone)]
pub struct SignIn {
    gh: Gatehouse,
}

impl SignIn {
    pub(super) fn new(gh: Gatehouse) -> Self {
        SignIn { gh }
    }

    /// The sign-in as the last answer showed it; `None` before `create`.
    pub fn current(&self) -> Option<wire::SignIn> {
        self.gh.inner.sign_in.borrow().clone()
    }

    /// A new sign-in: `{ identifier, password?, strategy? }`.
    pub async fn create(&self, params: &SignInParams) -> Result<wire::SignIn> {
        let p = params.clone();
        self.run(Op::Create, move |key| match key {
            "identifier" => p.identifier.clone(),
            "password" => p.password.clone(),
            "strategy" => p.strategy.clone(),
            _ => None,
        })
        .await
    }

    /// Reads the sign-in again.
    pub async fn reload(&self) -> Result<wire::SignIn> {
        self.run(Op::Reload, |_| None).await
    }

    /// Sends a code (`FirstFactor::EmailCode`).
    pub async fn prepare_first_factor(&self, strategy: FirstFactor) -> Result<wire::SignIn> {
        self.run(Op::Prepare, move |key| (key == "strategy").then(|| strategy.as_str().into())).await
    }

    /// Proves the first factor: `{ strategy, code }`, `{ strategy, password }`,
    /// or `{ strategy: "reset_password_email_link", token }` (a bearer-mode
    /// reset link's token, from its redirect's `#gh_reset_token=`).
    pub async fn attempt_first_factor(&self, params: &AttemptFirstFactorParams) -> Result<wire::SignIn> {
        let p = params.clone();
        self.run(Op::Attempt, move |key| match key {
            "strategy" => p.strategy.clone(),
            "code" => p.code.clone(),
            "password" => p.password.clone(),
            "token" => p.token.clone(),
            _ => None,
        })
        .await
    }

    /// Sends one operation, its params read by `param`, and keeps its answer.
    async fn run(&self, op: Op, mut param: impl FnMut(&str) -> Option<String>) -> Result<wire::SignIn> {
        let id = self.current().map(|s| s.id);
        let request = sign_in::request(op, |key| Ok(param(key)), id.as_deref())?;
        let sign_in: wire::SignIn = self.gh.send(&request, None).await?;
        *self.gh.inner.sign_in.borrow_mut() = Some(sign_in.clone());
        Ok(sign_in)
    }
}
