//! The requests of a sign-up as a bearer-mode SDK sends them: the client
//! token travels in `Authorization` once the server issued one
//! (`Gatehouse-Client`), starting from none (a fresh client).

use crate::conn::Conn;
use hyper::Method;
use hyper::header::AUTHORIZATION;
use serde_json::Value;

/// What went wrong with one request: the key it is counted under.
pub struct Failure {
    pub kind: String,
    pub detail: String,
}

/// One client of the API: its token, once issued.
#[derive(Default)]
pub struct Client {
    token: Option<String>,
}

impl Client {
    /// POSTs a JSON `body` to `path` on `conn`'s node; answers the JSON
    /// of a 200, or the failure counted as `step status`.
    pub async fn call(&mut self, conn: &mut Conn, step: &str, path: &str, body: &Value) -> Result<Value, Failure> {
        let body =
            serde_json::to_vec(body).map_err(|e| Failure { kind: format!("{step} body"), detail: e.to_string() })?;
        let mut request = conn.request(Method::POST, path).header("Gatehouse-Token-Mode", "bearer");
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let answer = conn.send(request, body).await.map_err(|e| transport(step, e))?;
        if let Some(token) = answer.headers.get("gatehouse-client").and_then(|v| v.to_str().ok()) {
            self.token = Some(token.to_owned());
        }
        if answer.status != 200 {
            let text = String::from_utf8_lossy(&answer.body).into_owned();
            return Err(Failure { kind: format!("{step} {}", answer.status), detail: text });
        }
        serde_json::from_slice(&answer.body).map_err(|_| Failure {
            kind: format!("{step} not JSON"),
            detail: String::from_utf8_lossy(&answer.body).into_owned(),
        })
    }

    /// The token, for requests made outside [`Client::call`] (the event stream).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// A request that got no answer.
pub fn transport(step: &str, detail: impl ToString) -> Failure {
    Failure { kind: format!("{step} transport"), detail: detail.to_string() }
}
