//! Unit tests of `crate::landing`.

use super::*;

#[test]
fn the_redirect_query_is_read() {
    assert_eq!(
        landing("?gh_status=verified&gh_created_session=sess_2Ab-9"),
        Some(Landing { status: EmailLinkStatus::Verified, created_session_id: Some("sess_2Ab-9") })
    );
    assert_eq!(
        landing("from=mail&gh_status=client_mismatch"),
        Some(Landing { status: EmailLinkStatus::ClientMismatch, created_session_id: None })
    );
    let expired = landing("?gh_status=expired&gh_created_session=%3Cscript%3E");
    assert_eq!(expired.map(|l| l.created_session_id), Some(None));
}

#[test]
fn a_page_not_reached_through_a_link_has_no_result() {
    for search in ["", "?", "?gh_status", "?gh_status=", "?gh_status=done", "?x=gh_status=verified"] {
        assert_eq!(landing(search), None, "{search}");
    }
}
