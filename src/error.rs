//! The SDK's one error type, in plain Rust: what every failure becomes
//! before the binding layer turns it into the JS `GatehouseError` class.
//!
//! Messages come from the protocol crate's static tables, so no error path
//! formats text (no `core::fmt` in the binary).

use alloc::boxed::Box;
use alloc::string::String;
use gatehouse_protocol::{ErrorCode, FieldError};
use wasm_bindgen::JsValue;

/// One error the SDK raises itself (a server's error answer stays in its
/// body, which the JS reads). Its texts are its code's (the JS holds those
/// of [`SDK_CODES`]) or, for its message, a validator's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorItem {
    /// One of [`SDK_CODES`].
    pub code: ErrorCode,
    /// A validator's own message, in place of the code's.
    pub message: Option<&'static str>,
    /// The snake_case wire name of the parameter at fault (`email_address`).
    pub param_name: Option<String>,
}

impl ErrorItem {
    /// An item for a code the SDK raises; any other code reads as
    /// `response_invalid`.
    pub fn from_code(code: ErrorCode, param_name: Option<&str>) -> Self {
        let code = SDK_CODES.get(sdk_index(code)).copied().unwrap_or(ErrorCode::ResponseInvalid);
        ErrorItem { code, message: None, param_name: param_name.map(String::from) }
    }

    /// Its message: the validator's, or its code's.
    pub fn message(&self) -> &'static str {
        self.message.unwrap_or(self.code.message())
    }

    /// Its code's long message.
    pub fn long_message(&self) -> &'static str {
        self.code.long_message()
    }
}

/// The codes the SDK raises itself: its own three, and those of the checks it
/// runs before sending (the protocol validators' among them). The JS
/// `GatehouseError` holds their texts, in this order (`bindings/error.rs`,
/// [`sdk_texts`]): the wasm carries none of them.
pub const SDK_CODES: [ErrorCode; 13] = [
    ErrorCode::NetworkError,
    ErrorCode::ResponseInvalid,
    ErrorCode::MagicLinkFlowCancelled,
    ErrorCode::FormParamMissing,
    ErrorCode::FormParamFormatInvalid,
    ErrorCode::FormParamUnknown,
    ErrorCode::FormPasswordLengthTooShort,
    ErrorCode::FormPasswordLengthTooLong,
    ErrorCode::VerificationStrategyInvalid,
    ErrorCode::SignUpNotFound,
    ErrorCode::SignInNotFound,
    ErrorCode::RequestBodyInvalid,
    // `gh.user`'s methods while signed out.
    ErrorCode::SessionNotFound,
];

/// The place of `code` in [`SDK_CODES`] (the JS texts' index); any other
/// code is `response_invalid`'s, 1 (a test checks it).
pub fn sdk_index(code: ErrorCode) -> usize {
    SDK_CODES.iter().position(|c| *c == code).unwrap_or(1)
}

/// The texts the JS holds (`TEXTS` in `bindings/error.rs`, which a test
/// checks is this): each [`SDK_CODES`] code, its message and its long
/// message, all joined by `|`.
#[cfg(not(target_arch = "wasm32"))]
pub fn sdk_texts() -> String {
    let texts: alloc::vec::Vec<&str> =
        SDK_CODES.iter().flat_map(|c| [c.as_str(), c.message(), c.long_message()]).collect();
    texts.join("|")
}

/// A failed operation: the SDK's own [`ErrorItem`] (none for a server's
/// error answer, whose items the JS reads from its body; never more than
/// one), the HTTP status
/// (0 when no response carried the error), the `Retry-After` seconds, if
/// any, and the server's error body, if one was read ([`Failure`], read
/// through `Deref`). Boxed: every `Result` of the SDK
/// passes through several layers, and a pointer-wide error keeps each of
/// them small (about 0.5 KiB gzip of the wasm).
#[derive(Clone, Debug, PartialEq)]
pub struct Error(Box<Failure>);

/// What an [`Error`] says.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The SDK's own error (none for a server's error answer).
    pub item: Option<ErrorItem>,
    pub status: u16,
    pub retry_after: Option<u32>,
    /// The error body as the server sent it (its `errors` already checked
    /// by `decode::error_items`, which reads them again into the JS
    /// error): the JS error reads its items, its `trace_id` and each
    /// error's whole `meta` from it.
    pub body: Option<JsValue>,
}

impl core::ops::Deref for Error {
    type Target = Failure;
    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl core::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

impl Error {
    pub fn new(item: ErrorItem, status: u16, retry_after: Option<u32>) -> Self {
        Error(Box::new(Failure { item: Some(item), status, retry_after, body: None }))
    }

    /// The server's error answer `body`, its items already checked
    /// (`decode::error_items`): the JS error reads them from it.
    pub fn server(body: JsValue, status: u16, retry_after: Option<u32>) -> Self {
        Error(Box::new(Failure { item: None, status, retry_after, body: Some(body) }))
    }

    /// What it says, unboxed.
    pub fn into_failure(self) -> Failure {
        *self.0
    }

    /// An error the SDK raises itself, with no HTTP response behind it.
    pub fn sdk(code: ErrorCode, param_name: Option<&str>) -> Self {
        Error::new(ErrorItem::from_code(code, param_name), 0, None)
    }

    /// The server could not be reached, or its answer did not arrive.
    pub fn network() -> Self {
        Error::sdk(ErrorCode::NetworkError, None)
    }

    /// An answer that is not the JSON we expect, with its HTTP status.
    pub fn response_invalid(status: u16, retry_after: Option<u32>) -> Self {
        let mut error = Error::sdk(ErrorCode::ResponseInvalid, None);
        (error.status, error.retry_after) = (status, retry_after);
        error
    }

    /// A parameter of a call is of the wrong JS type or shape.
    pub fn param(code: ErrorCode, param_name: &str) -> Self {
        Error::sdk(code, Some(param_name))
    }

    /// The first error the SDK raised: the one `code`, `message` and
    /// friends describe (none for a server's error answer).
    pub fn first(&self) -> Option<&ErrorItem> {
        self.item.as_ref()
    }
}

/// Client-side validation failures keep the validator's own message.
impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        let mut err = Error::param(e.code, e.param);
        if let Some(item) = &mut err.item {
            item.message = Some(e.message);
        }
        err
    }
}

pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
#[path = "tests/error.rs"]
mod tests;
