//! [`Session`]: a signed-in session of the client: its short-lived JWT for
//! the app's backend ([`Session::get_token`]), and signing out.
//!
//! The token is kept as the JS SDK keeps it: handed out again while the
//! session is the client's current one and the token has more than 10 s
//! (or half its lifetime, if shorter) left. Its lifetime is the answer's
//! `expire_at - issued_at` (both the server's clock), counted from when
//! the request was sent: the browser's clock is only compared with itself.

use super::{wire, Gatehouse, Result};
use crate::fetch::Method;
use crate::flow::Request;
use crate::params::join;

/// A session of a [`Gatehouse`]'s client, as the last answer showed it.
#[derive(Clone)]
pub struct Session {
    gh: Gatehouse,
    session: wire::Session,
}

impl Session {
    pub(super) fn new(gh: Gatehouse, session: wire::Session) -> Self {
        Session { gh, session }
    }

    pub fn id(&self) -> &str {
        &self.session.id
    }

    /// The session's data (`user_id`, `status`, `expire_at`, ...).
    pub fn data(&self) -> &wire::Session {
        &self.session
    }

    /// A session JWT for the app's backend (`Authorization: Bearer`). A
    /// `pending` session (its user must enrol a second factor first,
    /// `data().tasks`) has none: the server's `session_pending` error.
    pub async fn get_token(&self) -> Result<String> {
        let inner = &self.gh.inner;
        let sent = js_sys::Date::now();
        let current = self.gh.session().is_some_and(|s| s.id() == self.id());
        if let Some((id, jwt, until)) = inner.token.borrow().as_ref() {
            if current && *id == self.session.id && sent < *until {
                return Ok(jwt.clone());
            }
        }
        let request = self.request(Method::Post, "/tokens");
        let token: wire::Token = self.gh.send(&request, None).await?;
        let life = (token.expire_at - token.issued_at) as f64;
        let until = sent + life - life.min(20_000.0) / 2.0;
        *inner.token.borrow_mut() = Some((self.session.id.clone(), token.jwt.clone(), until));
        Ok(token.jwt)
    }

    /// Signs this session out; answers it, `revoked`. The client's token is
    /// replaced (the answer carries the new one).
    pub async fn sign_out(&self) -> Result<wire::Session> {
        self.gh.inner.token.borrow_mut().take();
        self.gh.send(&self.request(Method::Delete, ""), None).await
    }

    fn request(&self, method: Method, rest: &str) -> Request {
        Request { method, path: join(&["/v1/client/sessions/", &self.session.id, rest]), body: None }
    }
}
