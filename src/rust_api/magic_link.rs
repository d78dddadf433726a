//! [`MagicLinkFlow`]: the email link of the Rust API. It sends the link
//! (`prepare_verification` with `email_link` and the `redirect_url`), then
//! waits until the sign-up's email verification is `verified` or `expired`
//! (or the sign-up is no longer `missing_requirements`), and resolves to
//! the sign-up, up to date.
//!
//! The wait reads the sign-up every second (`gloo-timers`), doubling the
//! pause on a failure up to 30 s, or the server's `Retry-After`, and ends
//! on a 4xx that is no rate limit (a sign-up the owner of the address
//! cancelled from the link answers `sign_up_cancelled_by_owner`). It does
//! not read the event stream the JS SDK waits on: a second a poll is the
//! JS SDK's fallback, and keeps this module small.
//!
//! **Dropping the flow cancels it**: the request on its way is aborted
//! (one `AbortController` for all of them), the timer cleared, and nothing
//! more is sent.

use super::{wire, Result, SignUp};
use crate::flow::{Op, Target};
use gatehouse_protocol::{Field, SignUpStatus, Strategy, VerificationStatus};
use gloo_timers::future::TimeoutFuture;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use web_sys::{AbortController, AbortSignal};

/// The pause between two reads, and its ceiling after failures.
const POLL_MS: u32 = 1000;
const POLL_MAX_MS: u32 = 30_000;

/// The wait for an email link: a future of the sign-up; dropped, it
/// cancels.
#[must_use = "the flow does nothing unless awaited; dropping it cancels it"]
pub struct MagicLinkFlow {
    wait: Pin<Box<dyn Future<Output = Result<wire::SignUp>>>>,
    abort: Option<AbortController>,
}

pub(super) fn start(sign_up: SignUp, redirect_url: String) -> MagicLinkFlow {
    let abort = AbortController::new().ok();
    let signal = abort.as_ref().map(AbortController::signal);
    MagicLinkFlow { wait: Box::pin(wait(sign_up, redirect_url, signal)), abort }
}

async fn wait(sign_up: SignUp, redirect_url: String, signal: Option<AbortSignal>) -> Result<wire::SignUp> {
    let signal = signal.as_ref();
    let strategy = Some(Strategy::EmailLink.as_str().into());
    let prepare = Op::Prepare { target: Target::Only(Field::EmailAddress), strategy, redirect_url: Some(redirect_url) };
    let mut current = sign_up.run(prepare, signal).await?;
    let mut delay = POLL_MS;
    while !done(&current) {
        TimeoutFuture::new(delay).await;
        match sign_up.run(Op::Reload, signal).await {
            Ok(read) => (current, delay) = (read, POLL_MS),
            Err(e) if (400..500).contains(&e.status) && e.status != 429 => return Err(e),
            Err(e) => delay = (delay * 2).min(POLL_MAX_MS).max(e.retry_after.unwrap_or(0).saturating_mul(1000)),
        }
    }
    Ok(current)
}

/// Whether the wait is over.
fn done(sign_up: &wire::SignUp) -> bool {
    let email = sign_up.verifications.email_address.as_ref().map(|v| v.status);
    sign_up.status != SignUpStatus::MissingRequirements
        || matches!(email, Some(VerificationStatus::Verified | VerificationStatus::Expired))
}

impl Future for MagicLinkFlow {
    type Output = Result<wire::SignUp>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.wait.as_mut().poll(cx)
    }
}

impl Drop for MagicLinkFlow {
    fn drop(&mut self) {
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }
}
