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
#[path = "tests/totp.rs"]
mod tests;
