//! An invitation as the server keeps it, and its status at a time. How the
//! admin API shows it is `crate::invitations::view`'s.

use gatehouse_protocol::InvitationStatus;
use serde_json::{Map, Value};

/// One invitation. `status` is stored as `pending`, `accepted` or
/// `revoked`; `expired` is computed (see [`InvitationRecord::status_at`]).
#[derive(Clone, Debug, PartialEq)]
pub struct InvitationRecord {
    pub id: String,
    pub email_address: String,
    pub status: InvitationStatus,
    /// The SHA-256 of the live ticket.
    pub ticket_hash: String,
    pub redirect_url: Option<String>,
    pub metadata: Map<String, Value>,
    pub expires_at: i64,
    pub accepted_user_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The language tag of its email (the admin's `locale`).
    pub locale: Option<String>,
}

impl InvitationRecord {
    /// The status at `now`: a pending invitation past `expires_at` is expired.
    pub fn status_at(&self, now: i64) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if now >= self.expires_at => InvitationStatus::Expired,
            status => status,
        }
    }
}
