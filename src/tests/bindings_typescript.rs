//! Unit tests of `crate::bindings::typescript`.

use gatehouse_protocol::{ErrorCode, Field};

#[test]
fn every_code_field_and_attribute_is_typed() {
    // Every attribute the schema decodes is declared on SignUp and SignIn.
    for key in
        crate::schema::SIGN_UP.keys().chain(crate::schema::SIGN_IN.keys()).map(|k| crate::schema::camel_case(k.0))
    {
        assert!(super::TYPES.contains(&["  readonly ", &key, ": "].concat()), "{key}");
    }
    for code in ErrorCode::ALL {
        assert!(super::TYPES.contains(&["\"", code.as_str(), "\""].concat()), "{}", code.as_str());
    }
    for field in Field::ALL {
        assert!(super::TYPES.contains(&["\"", field.as_str(), "\""].concat()), "{}", field.as_str());
        assert!(super::TYPES.contains(&[field.js_name(), ": AttributeSettings"].concat()));
        assert!(super::TYPES.contains(&[field.js_name(), "?: "].concat()));
    }
}
