//! [`SignUp`]: the sign-up operations of the Rust API. Each builds its
//! request with [`crate::flow::request`] (params checked with the
//! protocol's validators, against the environment's rules, before anything
//! is sent), sends it, and keeps the answer as the current sign-up.
//!
//! Params are the wire's [`SignUpParams`]: the fields set are sent, the
//! rest left out.

use super::magic_link::{self, MagicLinkFlow};
use super::{wire, Error, Gatehouse, Result};
use crate::flow::{self, Op, Target};
use crate::params::{self, Value};
use gatehouse_protocol::wire::SignUpParams;
use gatehouse_protocol::{ErrorCode, Field, Strategy};
use web_sys::AbortSignal;

/// The sign-up of a [`Gatehouse`]; its clones share it.
#[derive(Clone)]
pub struct SignUp {
    gh: Gatehouse,
}

impl SignUp {
    pub(super) fn new(gh: Gatehouse) -> Self {
        SignUp { gh }
    }

    /// The sign-up as the last answer showed it; `None` before `create`.
    pub fn current(&self) -> Option<wire::SignUp> {
        self.gh.inner.sign_up.borrow().clone()
    }

    /// Starts a new sign-up (the server abandons the client's earlier one).
    pub async fn create(&self, params: &SignUpParams) -> Result<wire::SignUp> {
        self.run(Op::Create(to_params(params)?), None).await
    }

    /// Adds or changes fields.
    pub async fn update(&self, params: &SignUpParams) -> Result<wire::SignUp> {
        self.run(Op::Update(to_params(params)?), None).await
    }

    /// Reads the sign-up again.
    pub async fn reload(&self) -> Result<wire::SignUp> {
        self.run(Op::Reload, None).await
    }

    /// Sends a code (`email_code`, `phone_code`); an email link is
    /// [`SignUp::magic_link`].
    pub async fn prepare_verification(&self, strategy: Strategy) -> Result<wire::SignUp> {
        let strategy = Some(strategy.as_str().into());
        self.run(Op::Prepare { target: Target::Any, strategy, redirect_url: None }, None).await
    }

    /// Checks a code.
    pub async fn attempt_verification(&self, strategy: Strategy, code: &str) -> Result<wire::SignUp> {
        let (strategy, code) = (Some(strategy.as_str().into()), Some(code.into()));
        self.run(Op::Attempt { target: Target::Any, strategy, code }, None).await
    }

    /// Emails a code to the sign-up's address.
    pub async fn prepare_email_address_verification(&self) -> Result<wire::SignUp> {
        let target = Target::Only(Field::EmailAddress);
        self.run(Op::Prepare { target, strategy: None, redirect_url: None }, None).await
    }

    /// Checks the emailed code.
    pub async fn attempt_email_address_verification(&self, code: &str) -> Result<wire::SignUp> {
        let target = Target::Only(Field::EmailAddress);
        self.run(Op::Attempt { target, strategy: None, code: Some(code.into()) }, None).await
    }

    /// Emails a link that leads back to `redirect_url` (on the server's own
    /// origin or one of its `allowed_redirect_origins`), and waits until it
    /// is confirmed: see [`MagicLinkFlow`]. Dropping the flow cancels it.
    pub fn magic_link(&self, redirect_url: &str) -> MagicLinkFlow {
        magic_link::start(self.clone(), redirect_url.into())
    }

    /// Sends one operation and keeps its answer.
    pub(super) async fn run(&self, op: Op, signal: Option<&AbortSignal>) -> Result<wire::SignUp> {
        let id = self.current().map(|s| s.id);
        let request = flow::request(op, id.as_deref(), &self.gh.inner.rules)?;
        let sign_up: wire::SignUp = self.gh.send(&request, signal).await?;
        *self.gh.inner.sign_up.borrow_mut() = Some(sign_up.clone());
        Ok(sign_up)
    }
}

/// The wire's params as the SDK's checker takes them.
fn to_params(p: &SignUpParams) -> Result<params::SignUpParams> {
    let texts = [
        (Field::EmailAddress, &p.email_address),
        (Field::PhoneNumber, &p.phone_number),
        (Field::Username, &p.username),
        (Field::Password, &p.password),
        (Field::FirstName, &p.first_name),
        (Field::LastName, &p.last_name),
        (Field::Web3Wallet, &p.web3_wallet),
    ];
    let mut fields: Vec<_> =
        texts.into_iter().filter_map(|(field, text)| Some((field, Value::Text(text.clone()?)))).collect();
    if let Some(accepted) = p.legal_accepted {
        fields.push((Field::LegalAccepted, Value::Bool(accepted)));
    }
    let unsafe_metadata = match &p.unsafe_metadata {
        Some(map) => Some(serde_json::to_string(map).map_err(|_| Error::new(ErrorCode::RequestBodyInvalid, None))?),
        None => None,
    };
    let extra = [("strategy", &p.strategy), ("ticket", &p.ticket)];
    let extra = extra.into_iter().filter_map(|(key, value)| Some((key, value.clone()?))).collect();
    Ok(params::SignUpParams { fields, unsafe_metadata, extra })
}
