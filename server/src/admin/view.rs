//! How the admin API shows a user: everything but the password hash.

use crate::model::UserRecord;
use gatehouse_protocol::wire;

/// The admin API's view of a user.
pub fn user(record: &UserRecord) -> wire::User {
    wire::User {
        object: String::from("user"),
        id: record.id.clone(),
        email: record.email_address.clone(),
        email_verified: record.email_verified,
        username: record.username.clone(),
        phone_number: record.phone_number.clone(),
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        external_id: record.external_id.clone(),
        has_password: record.password_hash.is_some(),
        metadata: record.metadata.clone(),
        unsafe_metadata: record.unsafe_metadata.clone(),
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_has_no_hash() {
        let mut record = UserRecord::new(String::from("user_1"), 5);
        record.password_hash = Some(String::from("$2b$06$secret"));
        let json = serde_json::to_string(&user(&record)).unwrap();
        assert!(!json.contains("secret") && !json.contains("password_hash"), "{json}");
        assert!(json.contains("\"has_password\":true"));
    }
}
