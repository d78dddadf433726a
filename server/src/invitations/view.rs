//! How the admin API shows an invitation.

use crate::model::InvitationRecord;
use gatehouse_protocol::wire;

/// The admin API's view at `now`; `url` only where a ticket was just made.
pub fn invitation(record: &InvitationRecord, now: i64, url: Option<String>) -> wire::Invitation {
    wire::Invitation {
        object: String::from("invitation"),
        id: record.id.clone(),
        email: record.email_address.clone(),
        status: record.status_at(now),
        redirect_url: record.redirect_url.clone(),
        metadata: record.metadata.clone(),
        expires_at: record.expires_at,
        created_at: record.created_at,
        updated_at: record.updated_at,
        url,
    }
}
