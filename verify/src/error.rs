//! Why a request has no session: the three answers of `gatehouse-node`,
//! with the same codes, statuses and messages.

use std::fmt;

/// A refused token, or keys that could not be had.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No token was sent (no `Authorization: Bearer`): 401 `session_token_missing`.
    Missing,
    /// The token is not a valid session token of this server (signature,
    /// algorithm, key, expiry, issuer, audience): 401
    /// `session_token_invalid`. The text says why, for logs only.
    Invalid(String),
    /// The server's keys could not be fetched: 503 `jwks_unavailable`. An
    /// outage, not a sign-out. The text says why, for logs only.
    KeysUnavailable(String),
}

impl Error {
    /// The stable code (`session_token_missing`, `session_token_invalid`, `jwks_unavailable`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Missing => "session_token_missing",
            Error::Invalid(_) => "session_token_invalid",
            Error::KeysUnavailable(_) => "jwks_unavailable",
        }
    }

    /// The HTTP status to answer with: 401, or 503 for an outage.
    pub fn status(&self) -> u16 {
        match self {
            Error::KeysUnavailable(_) => 503,
            _ => 401,
        }
    }

    /// A short message, safe to send to the caller.
    pub fn message(&self) -> &'static str {
        match self {
            Error::Missing => "Send the session token as Authorization: Bearer.",
            Error::Invalid(_) => "The session token is not valid.",
            Error::KeysUnavailable(_) => "The Gatehouse server's keys could not be fetched.",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing => f.write_str(self.code()),
            Error::Invalid(why) | Error::KeysUnavailable(why) => write!(f, "{}: {why}", self.code()),
        }
    }
}

impl std::error::Error for Error {}
