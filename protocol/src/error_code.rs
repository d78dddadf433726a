//! The stable error codes, with their HTTP status and end-user messages.
//!
//! Both sides read this one table: the server to answer errors, the SDK to
//! raise the errors it finds itself (bad input, network, bad responses).
//! `docs/errors.md` documents every code.

/// A stable, documented error code (`code` in an error body).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ErrorCode {
    FormParamMissing,
    FormParamFormatInvalid,
    FormParamUnknown,
    FormIdentifierExists,
    FormPasswordLengthTooShort,
    FormPasswordLengthTooLong,
    FormCodeIncorrect,
    VerificationExpired,
    VerificationFailed,
    VerificationNotSent,
    VerificationAlreadyVerified,
    VerificationStrategyInvalid,
    VerificationCodeTooManyRequests,
    /// The SMS provider refused the text for this number (a 4xx): sending
    /// again will not help; check the number.
    PhoneDeliveryFailed,
    SignUpNotFound,
    SignUpNotModifiable,
    SignUpCancelledByOwner,
    SignUpRestricted,
    TicketInvalid,
    TicketExpired,
    FormIdentifierNotFound,
    FormPasswordIncorrect,
    SignInNotFound,
    /// A sign-in step asked for in another status (`resetPassword` before
    /// the reset code was proven).
    SignInStatusInvalid,
    SessionNotFound,
    /// `createTOTP()` for a user whose TOTP is on already.
    TotpAlreadyEnabled,
    /// `verifyTOTP()` or `disableTOTP()` for a user without that TOTP.
    TotpNotFound,
    /// The session waits for a second factor (`[mfa] required`): only
    /// `createTOTP()`, `verifyTOTP()` and sign-out work until it is active.
    SessionPending,
    /// `disableTOTP()` where the instance requires a second factor.
    MfaRequired,
    OriginNotAllowed,
    AuthorizationInvalid,
    RateLimited,
    /// Every password-hashing slot stayed busy; try again after `Retry-After`.
    ServerBusy,
    /// The request did not finish within the server's time limit.
    RequestTimeout,
    RequestBodyInvalid,
    RequestBodyTooLarge,
    RequestContentTypeInvalid,
    ClientCookieDuplicate,
    /// The request's client token was replaced moments ago (at a sign-in or
    /// sign-out, by a request from another tab); the SDK sends it again.
    ClientTokenReplaced,
    ResourceNotFound,
    /// The path exists, but not with this method (`Allow` lists those it has).
    MethodNotAllowed,
    InternalError,
    /// SDK only: the server could not be reached.
    NetworkError,
    /// SDK only: a response could not be decoded.
    ResponseInvalid,
    /// SDK only: `cancelMagicLinkFlow()` was called while waiting.
    MagicLinkFlowCancelled,
}

impl ErrorCode {
    /// Every code, for tables and docs tests.
    pub const ALL: [ErrorCode; 45] = [
        ErrorCode::FormParamMissing,
        ErrorCode::FormParamFormatInvalid,
        ErrorCode::FormParamUnknown,
        ErrorCode::FormIdentifierExists,
        ErrorCode::FormPasswordLengthTooShort,
        ErrorCode::FormPasswordLengthTooLong,
        ErrorCode::FormCodeIncorrect,
        ErrorCode::VerificationExpired,
        ErrorCode::VerificationFailed,
        ErrorCode::VerificationNotSent,
        ErrorCode::VerificationAlreadyVerified,
        ErrorCode::VerificationStrategyInvalid,
        ErrorCode::VerificationCodeTooManyRequests,
        ErrorCode::PhoneDeliveryFailed,
        ErrorCode::SignUpNotFound,
        ErrorCode::SignUpNotModifiable,
        ErrorCode::SignUpCancelledByOwner,
        ErrorCode::SignUpRestricted,
        ErrorCode::TicketInvalid,
        ErrorCode::TicketExpired,
        ErrorCode::FormIdentifierNotFound,
        ErrorCode::FormPasswordIncorrect,
        ErrorCode::SignInNotFound,
        ErrorCode::SignInStatusInvalid,
        ErrorCode::SessionNotFound,
        ErrorCode::TotpAlreadyEnabled,
        ErrorCode::TotpNotFound,
        ErrorCode::SessionPending,
        ErrorCode::MfaRequired,
        ErrorCode::OriginNotAllowed,
        ErrorCode::AuthorizationInvalid,
        ErrorCode::RateLimited,
        ErrorCode::ServerBusy,
        ErrorCode::RequestTimeout,
        ErrorCode::RequestBodyInvalid,
        ErrorCode::RequestBodyTooLarge,
        ErrorCode::RequestContentTypeInvalid,
        ErrorCode::ClientCookieDuplicate,
        ErrorCode::ClientTokenReplaced,
        ErrorCode::ResourceNotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::InternalError,
        ErrorCode::NetworkError,
        ErrorCode::ResponseInvalid,
        ErrorCode::MagicLinkFlowCancelled,
    ];

    /// The snake_case code on the wire.
    pub const fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            FormParamMissing => "form_param_missing",
            FormParamFormatInvalid => "form_param_format_invalid",
            FormParamUnknown => "form_param_unknown",
            FormIdentifierExists => "form_identifier_exists",
            FormPasswordLengthTooShort => "form_password_length_too_short",
            FormPasswordLengthTooLong => "form_password_length_too_long",
            FormCodeIncorrect => "form_code_incorrect",
            VerificationExpired => "verification_expired",
            VerificationFailed => "verification_failed",
            VerificationNotSent => "verification_not_sent",
            VerificationAlreadyVerified => "verification_already_verified",
            VerificationStrategyInvalid => "verification_strategy_invalid",
            VerificationCodeTooManyRequests => "verification_code_too_many_requests",
            PhoneDeliveryFailed => "phone_delivery_failed",
            SignUpNotFound => "sign_up_not_found",
            SignUpNotModifiable => "sign_up_not_modifiable",
            SignUpCancelledByOwner => "sign_up_cancelled_by_owner",
            SignUpRestricted => "sign_up_restricted",
            TicketInvalid => "ticket_invalid",
            TicketExpired => "ticket_expired",
            FormIdentifierNotFound => "form_identifier_not_found",
            FormPasswordIncorrect => "form_password_incorrect",
            SignInNotFound => "sign_in_not_found",
            SignInStatusInvalid => "sign_in_status_invalid",
            SessionNotFound => "session_not_found",
            TotpAlreadyEnabled => "totp_already_enabled",
            TotpNotFound => "totp_not_found",
            SessionPending => "session_pending",
            MfaRequired => "mfa_required",
            OriginNotAllowed => "origin_not_allowed",
            AuthorizationInvalid => "authorization_invalid",
            RateLimited => "rate_limited",
            ServerBusy => "server_busy",
            RequestTimeout => "request_timeout",
            RequestBodyInvalid => "request_body_invalid",
            RequestBodyTooLarge => "request_body_too_large",
            RequestContentTypeInvalid => "request_content_type_invalid",
            ClientCookieDuplicate => "client_cookie_duplicate",
            ClientTokenReplaced => "client_token_replaced",
            ResourceNotFound => "resource_not_found",
            MethodNotAllowed => "method_not_allowed",
            InternalError => "internal_error",
            NetworkError => "network_error",
            ResponseInvalid => "response_invalid",
            MagicLinkFlowCancelled => "magic_link_flow_cancelled",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The HTTP status the server answers with this code.
    /// SDK-only codes answer 0: no HTTP response carried them.
    pub const fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            FormParamMissing
            | FormParamFormatInvalid
            | FormParamUnknown
            | FormIdentifierExists
            | FormPasswordLengthTooShort
            | FormPasswordLengthTooLong
            | FormCodeIncorrect
            | VerificationExpired
            | VerificationFailed
            | VerificationNotSent
            | VerificationAlreadyVerified
            | VerificationStrategyInvalid
            | PhoneDeliveryFailed
            | TicketInvalid
            | TicketExpired
            | FormIdentifierNotFound
            | FormPasswordIncorrect => 422,
            RequestBodyInvalid | ClientCookieDuplicate => 400,
            RequestContentTypeInvalid => 415,
            SignUpNotModifiable | SignInStatusInvalid | ClientTokenReplaced | TotpAlreadyEnabled => 409,
            SignUpCancelledByOwner => 410,
            SignUpNotFound | SignInNotFound | SessionNotFound | TotpNotFound | ResourceNotFound => 404,
            MethodNotAllowed => 405,
            SignUpRestricted | OriginNotAllowed | SessionPending | MfaRequired => 403,
            AuthorizationInvalid => 401,
            VerificationCodeTooManyRequests | RateLimited => 429,
            RequestBodyTooLarge => 413,
            ServerBusy => 503,
            InternalError => 500,
            RequestTimeout => 503,
            NetworkError | ResponseInvalid | MagicLinkFlowCancelled => 0,
        }
    }

    /// A short message, safe to show to an end user.
    pub const fn message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            FormParamMissing => "This field is required.",
            FormParamFormatInvalid => "This value is not valid.",
            FormParamUnknown => "This field is not accepted here.",
            FormIdentifierExists => "This identifier is already taken.",
            FormPasswordLengthTooShort => "The password is too short.",
            FormPasswordLengthTooLong => "The password is too long.",
            FormCodeIncorrect => "The code is incorrect.",
            VerificationExpired => "The code has expired.",
            VerificationFailed => "Too many failed attempts.",
            VerificationNotSent => "No code has been sent yet.",
            VerificationAlreadyVerified => "This is already verified.",
            VerificationStrategyInvalid => "This verification method is not available.",
            VerificationCodeTooManyRequests => "Please wait before requesting a new code.",
            PhoneDeliveryFailed => "The text message could not be sent to this phone number.",
            SignUpNotFound => "This sign-up was not found.",
            SignUpNotModifiable => "This sign-up can no longer be changed.",
            SignUpCancelledByOwner => "The owner of this email address cancelled the sign-up.",
            SignUpRestricted => "Sign-up is by invitation only.",
            TicketInvalid => "This invitation is not valid.",
            TicketExpired => "This invitation has expired.",
            FormIdentifierNotFound => "No account was found.",
            FormPasswordIncorrect => "The password is incorrect.",
            SignInNotFound => "This sign-in was not found.",
            SignInStatusInvalid => "This sign-in is not at that step.",
            SessionNotFound => "This session was not found.",
            TotpAlreadyEnabled => "Two-step verification is already on.",
            TotpNotFound => "Two-step verification is not set up.",
            SessionPending => "Set up two-step verification to continue.",
            MfaRequired => "Two-step verification is required and cannot be turned off.",
            OriginNotAllowed => "This origin is not allowed.",
            AuthorizationInvalid => "The authorization is invalid.",
            RateLimited => "Too many requests.",
            ServerBusy => "The server is busy. Try again in a moment.",
            RequestTimeout => "The server took too long to answer.",
            RequestBodyInvalid => "The request could not be read.",
            RequestBodyTooLarge => "The request is too large.",
            RequestContentTypeInvalid => "The request must be JSON.",
            ClientCookieDuplicate => "The request carries two client cookies.",
            ClientTokenReplaced => "This browser's sign-in changed moments ago. Please try again.",
            ResourceNotFound => "Not found.",
            MethodNotAllowed => "This method is not allowed here.",
            InternalError => "Something went wrong.",
            NetworkError => "The server could not be reached.",
            ResponseInvalid => "The server's answer could not be read.",
            MagicLinkFlowCancelled => "Waiting for the link was cancelled.",
        }
    }

    /// A longer explanation, for developers and detailed UIs.
    pub const fn long_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            FormParamMissing => "A required parameter was not supplied.",
            FormParamFormatInvalid => "A parameter does not have the format this field needs.",
            FormParamUnknown => "The request carries a parameter this endpoint does not accept, or an attribute the instance has turned off.",
            FormIdentifierExists => "An account with this email address, phone number or username already exists. Sign in instead.",
            FormPasswordLengthTooShort => "The password is shorter than the instance's minimum length.",
            FormPasswordLengthTooLong => "The password is longer than the instance's maximum length.",
            FormCodeIncorrect => "The verification code does not match the one sent. Check it and try again.",
            VerificationExpired => "The verification has expired. Ask for a new code or link.",
            VerificationFailed => "The verification failed after too many wrong attempts. Ask for a new code.",
            VerificationNotSent => "Prepare the verification (send a code or link) before attempting it.",
            VerificationAlreadyVerified => "This field is already verified; nothing more is needed.",
            VerificationStrategyInvalid => "The strategy is not enabled for this field, or does not apply to it.",
            VerificationCodeTooManyRequests => "This address was sent a code moments ago, or as many codes and links as it may get for now. Wait for the time in Retry-After before asking again.",
            PhoneDeliveryFailed => "The SMS provider refused to send the code to this phone number (it may not exist or not take texts). Check the number; asking again for the same number will not help.",
            SignUpNotFound => "No sign-up with this id belongs to this client.",
            SignUpNotModifiable => "The sign-up is complete or abandoned. Start a new one.",
            SignUpCancelledByOwner => "The owner of the address opened the email link in another browser and answered that they did not start this sign-up. It is abandoned, and no account was created.",
            SignUpRestricted => "This instance accepts sign-ups only with a valid invitation.",
            TicketInvalid => "The invitation ticket is unknown, revoked, already used or malformed.",
            TicketExpired => "The invitation ticket has expired. Ask for a new invitation.",
            FormIdentifierNotFound => "No account matches this identifier.",
            FormPasswordIncorrect => "The password does not match this account.",
            SignInNotFound => "No sign-in with this id belongs to this client.",
            SignInStatusInvalid => "A step asked for in another status: `reset_password` before the reset code was proven, or `attempt_second_factor` before the first factor was.",
            SessionNotFound => "No active session with this id belongs to this client.",
            TotpAlreadyEnabled => "The user's TOTP is on already: disable it (with a code) before creating a new one.",
            TotpNotFound => "The user has no TOTP to verify (create one first) or to disable (none is on).",
            SessionPending => "The instance requires a second factor (`[mfa] required`) and this session's user has none yet: the session is `pending` with `tasks: [\"setup_mfa\"]`. Only TOTP enrolment (`createTOTP`, `verifyTOTP`) and sign-out work; a verified TOTP makes it active.",
            MfaRequired => "The instance requires a second factor (`[mfa] required`): `disableTOTP` is refused. An admin can reset the user's factors, which ends their sessions.",
            OriginNotAllowed => "A state-changing request came from an origin that is neither the server's public origin nor in allowed_origins.",
            AuthorizationInvalid => "The Authorization header is missing or does not carry a valid key.",
            RateLimited => "Too many requests, wrong passwords or wrong codes in a short time. Wait for the time in Retry-After.",
            ServerBusy => "Every password-hashing slot stayed busy for too long. Wait for the time in Retry-After and try again.",
            RequestTimeout => "The request did not finish within the server's time limit (10 s by default). Try again.",
            RequestBodyInvalid => "The request body is not valid JSON of the expected shape.",
            RequestBodyTooLarge => "The request body is larger than the server accepts (64 KiB).",
            RequestContentTypeInvalid => "A POST, PATCH, PUT or DELETE that carries a cookie must say Content-Type: application/json, so a browser always preflights it.",
            ClientCookieDuplicate => "The request carries the client cookie twice (one may have been planted by another site); clear the cookies for this server and try again.",
            ClientTokenReplaced => "The client token of this request was replaced moments ago, at a sign-in or sign-out made by another request of this browser (another tab); send the request again with the new token. The old token sees nothing.",
            ResourceNotFound => "There is nothing at this path.",
            MethodNotAllowed => "The path exists, but not with this method; the Allow header lists the ones it has.",
            InternalError => "The server failed to handle the request. It has been logged; try again.",
            NetworkError => "The request did not reach the Gatehouse server, or its answer did not arrive.",
            ResponseInvalid => "The server answered with something that is not the expected JSON.",
            MagicLinkFlowCancelled => "cancelMagicLinkFlow() was called before the link was confirmed.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(ErrorCode::parse(a.as_str()), Some(*a));
            for b in &ErrorCode::ALL[i + 1..] {
                assert_ne!(a.as_str(), b.as_str());
            }
        }
    }

    #[test]
    fn server_codes_answer_4xx_or_5xx() {
        for c in ErrorCode::ALL {
            let s = c.http_status();
            assert!(s == 0 || (400..600).contains(&s), "{}", c.as_str());
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use super::ErrorCode;

    /// docs/errors.md documents every code with its HTTP status.
    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../../docs/errors.md");
        for c in ErrorCode::ALL {
            let status = match c.http_status() {
                0 => "SDK only",
                422 => "422",
                409 => "409",
                410 => "410",
                404 => "404",
                405 => "405",
                403 => "403",
                401 => "401",
                429 => "429",
                503 => "503",
                413 => "413",
                415 => "415",
                400 => "400",
                _ => "500",
            };
            let row = ["| `", c.as_str(), "` | ", status, " |"].concat();
            assert!(doc.contains(&row), "docs/errors.md lacks the row for {}", c.as_str());
        }
    }
}
