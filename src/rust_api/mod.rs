//! The typed async Rust API (cargo feature `rust-api`), for Rust apps in
//! the browser (Leptos, Yew, Dioxus), which compile to wasm and link serde
//! already: they use Gatehouse as a crate, not through JS.
//!
//! ```ignore
//! let gh = Gatehouse::load(api, TokenMode::Cookie).await?;
//! let sign_up = gh.sign_up();
//! sign_up.create(&SignUpParams { email_address: Some(email), ..Default::default() }).await?;
//! ```
//!
//! - [`Gatehouse`] (here): the instance: its environment, the client, and
//!   the current [`Session`];
//! - [`SignUp`] (`sign_up.rs`): create, update, reload, prepare and attempt
//!   verification; [`MagicLinkFlow`] (`magic_link.rs`): the email link's
//!   wait, a future that cancels when dropped;
//! - [`SignIn`] (`sign_in.rs`) and [`Session`] (`session.rs`: `get_token`,
//!   `sign_out`);
//! - `transport.rs`: the requests (`gloo-net`), cookie or bearer mode;
//!   [`Error`] (`error.rs`): the typed error; `js.rs`: values to and from
//!   JS (`serde-wasm-bindgen`).
//!
//! The answers are the serde wire types of `gatehouse-protocol`
//! ([`wire`], re-exported). The rules are the SDK's own: every request is
//! built, and its params checked, by [`crate::flow`], [`crate::sign_in`]
//! and [`crate::params`], as for the JS API.
//!
//! Unlike the rest of the crate this module links std, serde and
//! `core::fmt`: it is off in the npm package (size), and its wasm is the
//! app's. With it on, the crate's own allocator and panic handler
//! (`runtime`) are off: the app's std brings them.

mod error;
mod js;
mod magic_link;
mod session;
mod sign_in;
mod sign_up;
mod transport;

pub use error::Error;
pub use gatehouse_protocol::wire;
pub use gatehouse_protocol::{ErrorCode, Field, FirstFactor, SignInStatus, SignUpStatus, Strategy, VerificationStatus};
pub use js::{from_js, to_js};
pub use magic_link::MagicLinkFlow;
pub use session::Session;
pub use sign_in::SignIn;
pub use sign_up::SignUp;

use crate::flow::Request;
use crate::params::Rules;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use transport::Transport;
use web_sys::AbortSignal;

/// What every call of the API answers.
pub type Result<T> = std::result::Result<T, Error>;

/// How this browser proves which client it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenMode {
    /// The client cookie (`credentials: "include"`): the server must list
    /// the app's origin in `allowed_origins`.
    #[default]
    Cookie,
    /// The client token in `Authorization: Bearer`, kept in memory.
    Bearer,
}

/// A loaded Gatehouse instance. Cheap to clone: the clones share one
/// state (the client, the sign-up, the sign-in, the token cache).
#[derive(Clone)]
pub struct Gatehouse {
    inner: Rc<Inner>,
}

/// The shared state. No borrow of a `RefCell` is held across an `await`.
struct Inner {
    transport: Transport,
    environment: wire::Environment,
    rules: Rules,
    client: RefCell<wire::Client>,
    sign_up: RefCell<Option<wire::SignUp>>,
    sign_in: RefCell<Option<wire::SignIn>>,
    /// The last session token: `(session id, jwt, valid until, in ms of
    /// this browser's clock)`.
    token: RefCell<Option<(String, String, f64)>>,
}

/// `GET /v1/client`: the client alone.
#[derive(Deserialize)]
struct ClientAnswer {
    client: wire::Client,
}

impl Gatehouse {
    /// Loads the instance's environment and this browser's client from the
    /// frontend API at `frontend_api` (`https://auth.example.com`).
    pub async fn load(frontend_api: &str, mode: TokenMode) -> Result<Gatehouse> {
        let transport = Transport::new(frontend_api, mode == TokenMode::Bearer);
        let environment: wire::Environment = transport.send(&get("/v1/environment"), None).await?;
        let ClientAnswer { client } = transport.send(&get("/v1/client"), None).await?;
        let rules = rules(&environment);
        let inner = Inner {
            transport,
            environment,
            rules,
            client: RefCell::new(client),
            sign_up: RefCell::new(None),
            sign_in: RefCell::new(None),
            token: RefCell::new(None),
        };
        Ok(Gatehouse { inner: Rc::new(inner) })
    }

    /// The instance's settings, as loaded.
    pub fn environment(&self) -> &wire::Environment {
        &self.inner.environment
    }

    /// This browser's client, as the last answer showed it.
    pub fn client(&self) -> wire::Client {
        self.inner.client.borrow().clone()
    }

    /// The sign-up of this instance.
    pub fn sign_up(&self) -> SignUp {
        SignUp::new(self.clone())
    }

    /// The sign-in of this instance.
    pub fn sign_in(&self) -> SignIn {
        SignIn::new(self.clone())
    }

    /// The client's last active session, if one is signed in.
    pub fn session(&self) -> Option<Session> {
        let client = self.inner.client.borrow();
        let active = client.last_active_session_id.as_deref()?;
        let session = client.sessions.iter().find(|s| s.id == active)?.clone();
        Some(Session::new(self.clone(), session))
    }

    /// Signs out of the current session; without one, does nothing.
    pub async fn sign_out(&self) -> Result<()> {
        match self.session() {
            Some(session) => session.sign_out().await.map(drop),
            None => Ok(()),
        }
    }

    /// Sends `request` and takes in the answer's client.
    async fn send<T: DeserializeOwned>(&self, request: &Request, signal: Option<&AbortSignal>) -> Result<T> {
        let envelope: wire::Envelope<T> = self.inner.transport.send(request, signal).await?;
        *self.inner.client.borrow_mut() = envelope.client;
        Ok(envelope.response)
    }
}

fn get(path: &str) -> Request {
    Request { method: crate::fetch::Method::Get, path: path.into(), body: None }
}

/// The params rules of an environment: which fields are on, the lengths.
fn rules(environment: &wire::Environment) -> Rules {
    Rules {
        enabled: Field::ALL.map(|f| environment.sign_up.attributes.get(f).enabled),
        password: environment.password_settings,
        username: environment.username_settings,
    }
}
