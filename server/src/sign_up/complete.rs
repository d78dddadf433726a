//! What completing a sign-up creates: the user and their first session,
//! in the same transaction as the sign-up's own update.

use super::Ctx;
use super::record::SignUpRecord;
use crate::db::{InsertUserError, NewUser};
use crate::error::ApiError;
use crate::ids;
use gatehouse_protocol::{ErrorCode, wire};

/// How long a session lives.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Creates the user and an active session on this client, and sets their
/// ids on the sign-up. If another user took an identifier in the meantime,
/// the whole change is refused with `form_identifier_exists`.
pub(super) async fn create_user_and_session(ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<(), ApiError> {
    let user_id = ids::new_id("user");
    let user = NewUser {
        id: &user_id,
        email_address: sign_up.email_address.as_deref(),
        phone_number: sign_up.phone_number.as_deref(),
        username: sign_up.username.as_deref(),
        web3_wallet: sign_up.web3_wallet.as_deref(),
        first_name: sign_up.first_name.as_deref(),
        last_name: sign_up.last_name.as_deref(),
        password_hash: sign_up.password_hash.as_deref(),
        legal_accepted_at: sign_up.legal_accepted.then_some(ctx.now),
        unsafe_metadata: serde_json::Value::Object(sign_up.unsafe_metadata.clone()).to_string(),
        created_at: ctx.now,
    };
    match ctx.tx.insert_user(&user).await {
        Ok(()) => {}
        Err(InsertUserError::Taken(field)) => return Err(ApiError::field(ErrorCode::FormIdentifierExists, field)),
        Err(InsertUserError::Database(e)) => return Err(e.into()),
    }
    let session = wire::Session {
        object: String::from("session"),
        id: ids::new_id("sess"),
        user_id: user_id.clone(),
        status: String::from("active"),
        created_at: ctx.now,
        expire_at: ctx.now + SESSION_TTL_MS,
    };
    ctx.tx.insert_session(&session, ctx.client_id).await?;
    sign_up.created_user_id = Some(user_id);
    sign_up.created_session_id = Some(session.id);
    Ok(())
}
