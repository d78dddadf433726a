//! Users as the server keeps them. How the admin API shows them is
//! `crate::admin::view`'s.
//!
//! Sign-up completion makes users (`crate::sign_up`), the admin API makes
//! and changes them (`crate::admin::sync`), sign-in reads them.

use serde_json::{Map, Value};

/// One user. `password_hash` is a PHC string (argon2) or a bcrypt hash
/// imported from another system; it never leaves the server.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub id: String,
    pub email_address: Option<String>,
    pub email_verified: bool,
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub password_hash: Option<String>,
    pub metadata: Map<String, Value>,
    pub unsafe_metadata: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRecord {
    /// A new user with nothing set.
    pub fn new(id: String, now: i64) -> Self {
        UserRecord {
            id,
            email_address: None,
            email_verified: false,
            phone_number: None,
            username: None,
            first_name: None,
            last_name: None,
            external_id: None,
            password_hash: None,
            metadata: Map::new(),
            unsafe_metadata: Map::new(),
            created_at: now,
            updated_at: now,
        }
    }
}
