//! Unit tests of `crate::schema`.

use super::*;
use gatehouse_protocol::Field;

#[test]
fn camel_case_matches_the_protocol_js_names() {
    for f in Field::ALL {
        assert_eq!(camel_case(f.as_str()), f.js_name());
    }
    assert_eq!(camel_case("verify_at_sign_up"), "verifyAtSignUp");
    assert_eq!(camel_case("last_active_session_id"), "lastActiveSessionId");
    assert_eq!(camel_case("id"), "id");
}

#[test]
fn the_environment_describes_every_field() {
    let Some(Key(_, Kind::Obj(sign_up))) = ENVIRONMENT.keys().next() else { panic!() };
    let Some(Key(_, Kind::Obj(attributes))) = sign_up.keys().nth(1) else { panic!() };
    let names: Vec<_> = attributes.keys().map(|k| k.0).collect();
    assert_eq!(names, Field::ALL.map(Field::as_str));
}

#[test]
fn the_name_lists_hold_the_wire_enums_names() {
    use gatehouse_protocol::{SignUpMode, Strategy};
    let lists = [
        (SIGN_UP_MODE, SignUpMode::NAMES),
        (SIGN_IN_STATUS, SIGN_IN_STATUSES),
        (FIRST_FACTOR_NAMES, FirstFactor::NAMES),
        (VERIFICATION_STATUS, VerificationStatus::NAMES),
        (NEXT_ACTION, NextAction::NAMES),
        (STRATEGY, Strategy::NAMES),
        (SIGN_UP_STATUS, SignUpStatus::NAMES),
        (SECOND_FACTOR_NAMES, SecondFactor::NAMES),
    ];
    for (list, names) in lists {
        assert_eq!(list.names().collect::<Vec<_>>(), names);
        for name in names {
            assert!(list.contains(name), "{name}");
            assert!(!list.contains(&[name, "x"].concat()), "{name}x");
        }
        assert!(!list.contains("unknown"));
    }
    // The empty name (`NextAction::None`) is one of its list's, and no other's.
    assert!(NEXT_ACTION.contains(""));
    assert!(!STRATEGY.contains(""));
}
