//! Users as the server keeps them, and as the admin API shows them.
//!
//! Sign-up completion makes users (`crate::sign_up`), the admin API makes
//! and changes them (`crate::admin::sync`), sign-in reads them.

use gatehouse_protocol::wire;
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

    /// The admin API's view: everything but the password hash.
    pub fn to_wire(&self) -> wire::User {
        wire::User {
            object: String::from("user"),
            id: self.id.clone(),
            email: self.email_address.clone(),
            email_verified: self.email_verified,
            username: self.username.clone(),
            phone_number: self.phone_number.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            external_id: self.external_id.clone(),
            has_password: self.password_hash.is_some(),
            metadata: self.metadata.clone(),
            unsafe_metadata: self.unsafe_metadata.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_has_no_hash() {
        let mut user = UserRecord::new(String::from("user_1"), 5);
        user.password_hash = Some(String::from("$2b$06$secret"));
        let json = serde_json::to_string(&user.to_wire()).unwrap();
        assert!(!json.contains("secret") && !json.contains("password_hash"), "{json}");
        assert!(json.contains("\"has_password\":true"));
    }
}
