//! Names read as what they are: a first or last name carrying a bidi
//! override or a zero-width character is refused (the rule is
//! `gatehouse_protocol::validate::person_name`, which the SDK runs too).

use crate::helpers::{spawn_admin_app, spawn_app};
use serde_json::json;

#[tokio::test]
async fn names_with_bidi_overrides_or_zero_width_characters_are_refused() {
    let app = spawn_app().await;
    let browser = app.client();
    let hidden =
        [("first_name", "Ana\u{202E}gnp.exe"), ("last_name", "Lan\u{200B}nister"), ("first_name", "\u{2067}Ana")];
    for (param, name) in hidden {
        let answer = browser.create_sign_up(json!({ "email_address": "cersei@example.com", param: name })).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some(param), "{name:?}");
    }
    let plain =
        browser.create_sign_up(json!({ "email_address": "cersei@example.com", "first_name": "Ana María" })).await;
    assert_eq!(plain.response()["first_name"], "Ana María");

    // The admin API's user sync runs the same rule.
    let admin_app = spawn_admin_app().await;
    let body = json!({ "email": "cersei@example.com", "last_name": "A\u{202D}B" });
    let answer = admin_app.admin().put("/v1/admin/users", body).await;
    answer.assert_error(422, "form_param_format_invalid");
    assert_eq!(answer.param(), Some("last_name"));
}
