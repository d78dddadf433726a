//! The requests of a sign-up as a bearer-mode SDK sends them: the client
//! token travels in `Authorization` once the server issued one
//! (`Gatehouse-Client`), starting from none (a fresh client).

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
    /// Sends `method path` with a JSON `body` to `base`; answers the JSON
    /// of a 200, or the failure counted as `step status`.
    pub async fn call(
        &mut self,
        http: &reqwest::Client,
        step: &str,
        base: &str,
        path: &str,
        body: &Value,
    ) -> Result<Value, Failure> {
        let mut request = http.post(format!("{base}{path}")).header("Gatehouse-Token-Mode", "bearer").json(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.map_err(|e| transport(step, &e))?;
        if let Some(token) = answer.headers().get("gatehouse-client").and_then(|v| v.to_str().ok()) {
            self.token = Some(token.to_owned());
        }
        let status = answer.status().as_u16();
        let text = answer.text().await.map_err(|e| transport(step, &e))?;
        if status != 200 {
            return Err(Failure { kind: format!("{step} {status}"), detail: text });
        }
        serde_json::from_str(&text).map_err(|_| Failure { kind: format!("{step} not JSON"), detail: text })
    }

    /// The token, for requests made outside [`Client::call`] (the event stream).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// A request that got no answer.
pub fn transport(step: &str, e: &reqwest::Error) -> Failure {
    Failure { kind: format!("{step} transport"), detail: e.to_string() }
}
