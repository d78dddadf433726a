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

/// The JS decoder's `camel` (`src/js/decode.js`) camelCases each key with
/// `k.replace(/_(.)/g, (_, c) => c.toUpperCase())`, here in Rust: the same
/// as [`camel_case`] for every name of the tables (none has `__` or ends
/// with `_`, where the two would differ).
#[test]
fn the_js_camel_case_of_every_name_is_camel_case() {
    let js = |key: &str| {
        let (mut out, mut chars) = (String::new(), key.chars());
        while let Some(c) = chars.next() {
            match (c, chars.clone().next()) {
                ('_', Some(next)) => {
                    out.extend(next.to_uppercase());
                    chars.next();
                }
                _ => out.push(c),
            }
        }
        out
    };
    let mut names = 0;
    for i in 0..=u8::MAX {
        for Key(name, _) in Table(i).keys() {
            assert_eq!(js(name), camel_case(name), "{name}");
            names += 1;
        }
    }
    assert!(names > 100, "{names}");
    for name in ["environment", "signUp", "signIn"] {
        assert_eq!(js(name), name);
    }
}

/// The JS decoder's copy of the tables (`src/js/decode.js`) is [`js_text`].
#[test]
fn the_js_decoder_holds_these_tables() {
    let js = include_str!("../js/decode.js").replace("\n  \"", " \"");
    let (tables, lists) = js_text();
    let want = [format!("const TABLES = \"{tables}\";"), format!("const LISTS = \"{lists}\";")];
    for line in want {
        assert!(js.contains(&line), "src/js/decode.js should say:\n{line}");
    }
}
