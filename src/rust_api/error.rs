//! The Rust API's error, typed: the wire `code` (an [`ErrorCode`]), its
//! messages, the `param_name` at fault, the server's `trace_id` (the
//! answer's `x-request-id`, for support), the HTTP status (0 when no
//! answer carried it) and a 429's `Retry-After` seconds.
//!
//! A check that fails before sending (the SDK's, `crate::error::Error`)
//! becomes one too, with the same code and param the server would answer.

use gatehouse_protocol::wire::ErrorBody;
use gatehouse_protocol::ErrorCode;
use std::fmt;

/// A failed call: the first error of the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub long_message: String,
    /// The snake_case wire name of the parameter at fault (`email_address`).
    pub param_name: Option<String>,
    /// The `trace_id` of the server's error body; `None` when no answer
    /// carried the error.
    pub trace_id: Option<String>,
    pub status: u16,
    pub retry_after: Option<u32>,
}

impl Error {
    /// An error of `code` with the table's messages, no answer behind it.
    pub fn new(code: ErrorCode, param_name: Option<&str>) -> Self {
        Error {
            code,
            message: code.message().into(),
            long_message: code.long_message().into(),
            param_name: param_name.map(String::from),
            trace_id: None,
            status: 0,
            retry_after: None,
        }
    }

    /// The server could not be reached, or the request was aborted.
    pub(crate) fn network() -> Self {
        Error::new(ErrorCode::NetworkError, None)
    }

    /// An answer that is not what the wire says.
    pub(crate) fn response_invalid(status: u16, retry_after: Option<u32>) -> Self {
        Error { status, retry_after, ..Error::new(ErrorCode::ResponseInvalid, None) }
    }

    /// The first error of a server's error body.
    pub(crate) fn from_body(body: ErrorBody, status: u16, retry_after: Option<u32>) -> Option<Self> {
        let item = body.errors.into_iter().next()?;
        Some(Error {
            code: item.code,
            message: item.message,
            long_message: item.long_message,
            param_name: item.meta.param_name,
            trace_id: Some(body.trace_id),
            status,
            retry_after,
        })
    }
}

/// The SDK's checks before sending, and its network errors.
impl From<crate::error::Error> for Error {
    fn from(e: crate::error::Error) -> Self {
        let failure = e.into_failure();
        let item = failure.item;
        let code = item.as_ref().map_or(ErrorCode::ResponseInvalid, |i| i.code);
        let mut error = Error::new(code, None);
        if let Some(item) = item {
            (error.message, error.param_name) = (item.message().into(), item.param_name);
        }
        (error.status, error.retry_after) = (failure.status, failure.retry_after);
        error
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(param) = &self.param_name {
            write!(f, " ({param})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
