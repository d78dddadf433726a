//! `gh.user`'s TOTP methods, each one request on the current session:
//! `createTOTP()` (a new secret and its `otpauth://` URI, pending),
//! `verifyTOTP({ code })` (turns it on; answers the backup codes, once)
//! and `disableTOTP({ code })` (a code from the app, or a backup code).

use crate::error::{Error, Result};
use crate::fetch::Method;
use crate::flow::Request;
use crate::params::{join, JsonObject};
use alloc::string::String;
use gatehouse_protocol::validate::{self, BACKUP_CODE_LENGTH};
use gatehouse_protocol::ErrorCode;

/// One TOTP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Verify,
    Disable,
}

/// The request of `op` on session `session_id` (`None`: signed out), with
/// the `code` param (`None` when absent).
pub fn request(op: Op, code: Option<String>, session_id: Option<&str>) -> Result<Request> {
    let id = session_id.ok_or_else(|| Error::sdk(ErrorCode::SessionNotFound, None))?;
    let mut body = JsonObject::new();
    let rest = match op {
        Op::Create => "/totp",
        Op::Verify | Op::Disable => {
            let code = code.ok_or_else(|| Error::param(ErrorCode::FormParamMissing, "code"))?;
            // Disabling takes a backup code too, told apart by its length.
            let backup = op == Op::Disable && code.trim().len() == BACKUP_CODE_LENGTH;
            body.string("code", &validate::second_factor_code(&code, backup)?);
            if op == Op::Verify {
                "/totp/attempt_verification"
            } else {
                "/totp/disable"
            }
        }
    };
    Ok(Request { method: Method::Post, path: join(&["/v1/client/sessions/", id, rest]), body: Some(body.finish()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_op_posts_to_the_session_with_its_code() {
        let r = request(Op::Create, None, Some("sess_1")).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.body.as_deref()),
            (Method::Post, "/v1/client/sessions/sess_1/totp", Some("{}"))
        );
        let r = request(Op::Verify, Some(String::from(" 123456")), Some("sess_1")).unwrap();
        assert_eq!(r.path, "/v1/client/sessions/sess_1/totp/attempt_verification");
        assert_eq!(r.body.as_deref(), Some(r#"{"code":"123456"}"#));
        let r = request(Op::Disable, Some(String::from("AB12cd34ef")), Some("sess_1")).unwrap();
        assert_eq!(r.path, "/v1/client/sessions/sess_1/totp/disable");
        assert_eq!(r.body.as_deref(), Some(r#"{"code":"ab12cd34ef"}"#));
    }

    #[test]
    fn bad_codes_and_no_session_are_refused_before_sending() {
        let code =
            |op, c: &str| request(op, Some(String::from(c)), Some("s")).unwrap_err().first().unwrap().code.clone();
        assert_eq!(code(Op::Verify, "ab12cd34ef"), "form_param_format_invalid");
        assert_eq!(code(Op::Disable, "12345"), "form_param_format_invalid");
        let missing = request(Op::Verify, None, Some("s")).unwrap_err();
        assert_eq!(missing.first().unwrap().code, "form_param_missing");
        let out = request(Op::Create, None, None).unwrap_err();
        assert_eq!(out.first().unwrap().code, "session_not_found");
    }
}
