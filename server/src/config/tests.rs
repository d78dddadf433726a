//! Unit tests of `crate::config`.

use super::*;

#[test]
fn defaults_are_valid() {
    Config::default().validate().unwrap();
}

#[test]
fn secrets_are_not_printed() {
    assert_eq!(format!("{:?}", Secret::new(String::from("hunter2"))), "Secret(***)");
}
