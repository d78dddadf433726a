//! Whether the mail server answers, for `GET /readyz`: one SMTP
//! connection (greet, NOOP, quit) at most every [`READINESS_TTL`], its
//! answer shared by every probe meanwhile. `/readyz` needs no key, so
//! without the cache anyone could make the server open a connection to
//! the relay per request.

use super::SmtpMailer;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long one check's answer stands.
pub const READINESS_TTL: Duration = Duration::from_secs(10);

/// How long one check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The last check of one mail server.
pub(super) struct Readiness {
    mailer: Arc<SmtpMailer>,
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Readiness {
    pub(super) fn new(mailer: Arc<SmtpMailer>) -> Readiness {
        Readiness { mailer, last: Mutex::new(None) }
    }

    /// The last answer if it is fresh, else a new check (probes that come
    /// meanwhile wait for it rather than start their own).
    pub(super) async fn check(&self) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < READINESS_TTL
        {
            return answer.clone();
        }
        let answer = match tokio::time::timeout(CHECK_TIMEOUT, self.mailer.check()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(_) => Err(String::from("timeout")),
        };
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}
