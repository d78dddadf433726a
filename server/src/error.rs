//! The one error type of the API, and how it becomes an HTTP answer.
//!
//! Every failure a handler or extractor can meet is an [`ApiError`]. It
//! answers `{ "errors": [...], "trace_id" }` with the code's status from the
//! protocol table. Internal failures are logged with their details and
//! answered with a bare `internal_error`: nothing about the database, the
//! mailer or the code paths ever leaves the server.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::wire::{ErrorBody, ErrorItem, ErrorMeta};
use gatehouse_protocol::{ErrorCode, Field, FieldError};

/// One refused parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub code: ErrorCode,
    /// The parameter's wire name (`meta.param_name`), if the error is about one.
    pub param: Option<String>,
    /// A message for this case; `None` uses the code's own message.
    pub message: Option<&'static str>,
}

impl Problem {
    /// A code about one parameter, with the code's own message.
    pub fn param(code: ErrorCode, param: impl Into<String>) -> Self {
        Problem { code, param: Some(param.into()), message: None }
    }

    /// A code about one sign-up field.
    pub fn field(code: ErrorCode, field: Field) -> Self {
        Problem::param(code, field.as_str())
    }

    /// The same problem about a param of another name (a validator's
    /// `email_address` is the admin API's `email`).
    pub fn renamed(mut self, param: &str) -> Self {
        self.param = Some(String::from(param));
        self
    }
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Self {
        Problem { code: e.code, param: Some(String::from(e.param)), message: Some(e.message) }
    }
}

/// Everything that can go wrong while answering a request.
#[derive(Debug)]
pub enum ApiError {
    /// The request as a whole was refused (`sign_up_not_found`, ...).
    Refused(ErrorCode),
    /// One or more parameters were refused; all of them are reported.
    Params(Vec<Problem>),
    /// Refused for now; `Retry-After` says for how long (429).
    RetryAfter { code: ErrorCode, seconds: u64 },
    /// Our failure, not the client's: logged, answered as `internal_error`.
    Internal(anyhow::Error),
}

impl ApiError {
    /// One refused parameter.
    pub fn param(code: ErrorCode, param: impl Into<String>) -> Self {
        ApiError::Params(vec![Problem::param(code, param)])
    }

    /// One refused sign-up field.
    pub fn field(code: ErrorCode, field: Field) -> Self {
        ApiError::param(code, field.as_str())
    }

    /// The stable code of the (first) error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Refused(code) | ApiError::RetryAfter { code, .. } => *code,
            ApiError::Params(problems) => problems.first().map_or(ErrorCode::FormParamFormatInvalid, |p| p.code),
            ApiError::Internal(_) => ErrorCode::InternalError,
        }
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn items(&self) -> Vec<ErrorItem> {
        let item = |code: ErrorCode, param: Option<String>, message: Option<&'static str>| ErrorItem {
            code,
            message: String::from(message.unwrap_or(code.message())),
            long_message: String::from(code.long_message()),
            meta: ErrorMeta { param_name: param },
        };
        match self {
            ApiError::Params(problems) => problems.iter().map(|p| item(p.code, p.param.clone(), p.message)).collect(),
            other => vec![item(other.code(), None, None)],
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Params(vec![Problem::from(e)])
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(e).context("database"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let trace_id = crate::trace::current();
        let status = self.status();
        match &self {
            ApiError::Internal(e) => tracing::error!(trace_id, error = format!("{e:#}"), "internal error"),
            other => tracing::info!(status = status.as_u16(), code = other.code().as_str(), "refused"),
        }
        let body = ErrorBody { errors: self.items(), trace_id };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RetryAfter { seconds, .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

/// The fallback for paths that do not exist.
pub async fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::ResourceNotFound)
}

/// The fallback for a path that exists without this method (axum adds the
/// `Allow` header).
pub async fn method_not_allowed() -> ApiError {
    ApiError::Refused(ErrorCode::MethodNotAllowed)
}

/// Rewrites the plain-text 413 that the body limit answers before any
/// handler runs into the JSON error shape.
pub async fn json_body_too_large(response: Response) -> Response {
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::Refused(ErrorCode::RequestBodyTooLarge).into_response();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_with_its_param() {
        let e = ApiError::Params(vec![
            Problem::field(ErrorCode::FormParamUnknown, Field::Username),
            Problem::param(ErrorCode::FormParamFormatInvalid, "email_address"),
        ]);
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let items = e.items();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].meta.param_name.as_deref(), Some("username"));
        assert_eq!(items[1].message, ErrorCode::FormParamFormatInvalid.message());
    }

    #[test]
    fn internal_details_are_not_sent() {
        let e = ApiError::from(anyhow::anyhow!("disk /var/db is full"));
        let items = e.items();
        assert_eq!(items[0].code, ErrorCode::InternalError);
        assert!(!items[0].long_message.contains("disk"));
    }
}
