//! The admin API's JSON (`/v1/admin`, server to server).

use crate::InvitationStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user, as the admin API shows it: never a password or its hash.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub object: String,
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    /// Whether the user can sign in with a password.
    pub has_password: bool,
    /// Set by the admin API (and copied from an accepted invitation).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Map<String, Value>,
    /// Set by the person at sign-up: not to be trusted.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub unsafe_metadata: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The body of `PUT /v1/admin/users`. Absent and `null` keep what is stored.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserParams {
    pub email: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_digest: Option<String>,
    pub email_verified: Option<bool>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Map<String, Value>>,
}

impl UserParams {
    pub const KEYS: [&'static str; 9] = [
        "email",
        "username",
        "password",
        "password_digest",
        "email_verified",
        "first_name",
        "last_name",
        "external_id",
        "metadata",
    ];
}

/// An invitation to sign up.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub object: String,
    pub id: String,
    pub email: String,
    pub status: InvitationStatus,
    pub redirect_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Map<String, Value>,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The link with the ticket: only in the answer that made the ticket
    /// (create, refresh), since the server keeps nothing but its hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The body of `POST /v1/admin/invitations`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationParams {
    pub email: Option<String>,
    pub expires_in_days: Option<u32>,
    pub redirect_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Map<String, Value>>,
    /// `false`: send no email (the caller delivers `url` itself).
    pub notify: Option<bool>,
    /// The language of its email (a language tag, `validate::locale`).
    pub locale: Option<String>,
}

impl InvitationParams {
    pub const KEYS: [&'static str; 6] = ["email", "expires_in_days", "redirect_url", "metadata", "notify", "locale"];
}

/// The body of `POST /v1/admin/invitations/{id}/refresh`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshParams {
    pub expires_in_days: Option<u32>,
    pub notify: Option<bool>,
}

impl RefreshParams {
    pub const KEYS: [&'static str; 2] = ["expires_in_days", "notify"];
}

/// A page of a list, in id order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct List<T> {
    pub object: String,
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `after` for the next page; `null` on the last one.
    pub next_after: Option<String>,
}

/// The answer to a delete.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    pub object: String,
    pub id: String,
    pub deleted: bool,
}
