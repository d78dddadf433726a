//! Extractors that answer in the API's error shape.
//!
//! [`SignUpId`] is the `{id}` of a sign-up path; one that cannot even be
//! decoded is a sign-up that does not exist (404 `sign_up_not_found`).
//! [`SignInId`], [`SessionId`], [`SessionPair`] and [`ResourceId`] (admin
//! paths) do the same with their own 404 codes.
//!
//! [`Params`]: the JSON body extractor of the API.
//!
//! axum's `Json` answers in plain text and names no parameter. This one
//! answers in the error shape: a body that is not a JSON object is 400
//! `request_body_invalid`; a key the endpoint does not know is 422
//! `form_param_unknown`; a known key with the wrong JSON type is 422
//! `form_param_format_invalid`; every such key is reported at once, each
//! with its `param_name`. An empty body (no bytes at all) reads as `{}`;
//! one of whitespace alone is no JSON text, so it is 400 too.
//!
//! The body is read as JSON whatever its `Content-Type` says: the CSRF
//! defence is the Origin check (`crate::origin`), not the content type.

use crate::error::{ApiError, Problem};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{
    AttemptFirstFactorParams, AttemptParams, AttemptSecondFactorParams, InvitationParams, PrepareFirstFactorParams,
    PrepareParams, RefreshParams, ResetPasswordParams, SignInParams, SignUpParams, TotpCodeParams, UserParams,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The largest request body accepted (the app's body limit layer; the
/// sensitive quota reads bodies up to it too).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// A path `{id}` extractor whose undecodable id answers `$code` (404).
macro_rules! path_id {
    ($(#[$doc:meta])* $name:ident, $code:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub String);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                let Path(id) = Path::<String>::from_request_parts(parts, state)
                    .await
                    .map_err(|_| ApiError::Refused(ErrorCode::$code))?;
                Ok($name(id))
            }
        }
    };
}

path_id!(
    /// The `{id}` of `/v1/client/sign_ups/{id}...`.
    SignUpId,
    SignUpNotFound
);
path_id!(
    /// The `{id}` of `/v1/client/sign_ins/{id}...`.
    SignInId,
    SignInNotFound
);
path_id!(
    /// The `{id}` of `/v1/client/sessions/{id}...`.
    SessionId,
    SessionNotFound
);
/// The `{id}` and `{other_id}` of
/// `/v1/client/sessions/{id}/user_sessions/{other_id}...`: the session
/// asking, and another of its user's. Undecodable: 404 `session_not_found`.
#[derive(Debug)]
pub struct SessionPair(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for SessionPair {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((id, other)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Refused(ErrorCode::SessionNotFound))?;
        Ok(SessionPair(id, other))
    }
}

path_id!(
    /// The `{id}` of an admin resource (`/v1/admin/users/{id}`, ...).
    ResourceId,
    ResourceNotFound
);

/// A request body type: its keys, all optional.
pub trait BodyParams: DeserializeOwned + Default {
    /// The keys the body may carry.
    const KEYS: &'static [&'static str];
}

impl BodyParams for SignUpParams {
    const KEYS: &'static [&'static str] = &SignUpParams::KEYS;
}

impl BodyParams for PrepareParams {
    const KEYS: &'static [&'static str] = &["strategy", "redirect_url"];
}

impl BodyParams for AttemptParams {
    const KEYS: &'static [&'static str] = &["strategy", "code"];
}

impl BodyParams for SignInParams {
    const KEYS: &'static [&'static str] = &SignInParams::KEYS;
}

impl BodyParams for PrepareFirstFactorParams {
    const KEYS: &'static [&'static str] = &PrepareFirstFactorParams::KEYS;
}

impl BodyParams for AttemptFirstFactorParams {
    const KEYS: &'static [&'static str] = &["strategy", "code", "password", "token"];
}

impl BodyParams for AttemptSecondFactorParams {
    const KEYS: &'static [&'static str] = &AttemptSecondFactorParams::KEYS;
}

impl BodyParams for TotpCodeParams {
    const KEYS: &'static [&'static str] = &TotpCodeParams::KEYS;
}

impl BodyParams for ResetPasswordParams {
    const KEYS: &'static [&'static str] = &ResetPasswordParams::KEYS;
}

impl BodyParams for UserParams {
    const KEYS: &'static [&'static str] = &UserParams::KEYS;
}

impl BodyParams for InvitationParams {
    const KEYS: &'static [&'static str] = &InvitationParams::KEYS;
}

impl BodyParams for RefreshParams {
    const KEYS: &'static [&'static str] = &RefreshParams::KEYS;
}

/// A JSON object body, checked key by key.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: BodyParams> FromRequest<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let invalid = || ApiError::Refused(ErrorCode::RequestBodyInvalid);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Refused(ErrorCode::RequestBodyTooLarge)
            } else {
                invalid()
            }
        })?;
        if bytes.is_empty() {
            return Ok(Params(T::default()));
        }
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(invalid());
        };
        check_keys::<T>(&map)?;
        serde_json::from_value(Value::Object(map)).map(Params).map_err(|_| invalid())
    }
}

/// Reports every unknown key and every known key of the wrong type.
fn check_keys<T: BodyParams>(map: &Map<String, Value>) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (key, value) in map {
        if !T::KEYS.contains(&key.as_str()) {
            problems.push(Problem::param(ErrorCode::FormParamUnknown, key.as_str()));
            continue;
        }
        // Decode this key alone: every field is optional, so only its type can fail.
        let alone = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        if serde_json::from_value::<T>(alone).is_err() {
            problems.push(Problem::param(ErrorCode::FormParamFormatInvalid, key.as_str()));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(ApiError::Params(problems)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: Value) -> Vec<(ErrorCode, String)> {
        let Value::Object(map) = v else { panic!() };
        match check_keys::<SignUpParams>(&map) {
            Ok(()) => vec![],
            Err(ApiError::Params(p)) => p.into_iter().map(|p| (p.code, p.param.unwrap())).collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    async fn read(body: &'static str) -> Result<Params<SignUpParams>, ApiError> {
        Params::<SignUpParams>::from_request(Request::new(axum::body::Body::from(body)), &()).await
    }

    #[tokio::test]
    async fn no_body_reads_as_no_params_but_whitespace_alone_is_not_json() {
        assert!(read("").await.unwrap().0.email_address.is_none());
        for body in ["\r", " ", "\n\t "] {
            assert!(matches!(read(body).await, Err(ApiError::Refused(ErrorCode::RequestBodyInvalid))), "{body:?}");
        }
        assert!(read(" {} ").await.unwrap().0.email_address.is_none());
    }

    #[test]
    fn known_keys_of_the_right_type_pass() {
        assert!(problems(json!({"email_address": "a@b.co", "legal_accepted": true, "unsafe_metadata": {"a": 1}, "password": null})).is_empty());
    }

    #[test]
    fn wrong_types_and_unknown_keys_are_all_named() {
        let mut got = problems(json!({"email_address": 5, "legal_accepted": "yes", "nickname": "x"}));
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            got,
            vec![
                (ErrorCode::FormParamFormatInvalid, String::from("email_address")),
                (ErrorCode::FormParamFormatInvalid, String::from("legal_accepted")),
                (ErrorCode::FormParamUnknown, String::from("nickname")),
            ]
        );
    }
}
