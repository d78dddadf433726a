//! Unit tests of `crate::config`.

use super::*;

#[test]
fn defaults_are_valid() {
    Config::default().validate().unwrap();
}

#[test]
fn the_workers_are_half_the_cores_on_sqlite_every_core_on_postgres_unless_set() {
    let http = HttpSettings::default();
    assert_eq!((http.worker_threads(true, 1), http.worker_threads(true, 2), http.worker_threads(true, 8)), (1, 1, 4));
    assert_eq!((http.worker_threads(false, 1), http.worker_threads(false, 2)), (1, 2));
    let set = HttpSettings { workers: 3, ..HttpSettings::default() };
    assert_eq!((set.worker_threads(true, 2), set.worker_threads(false, 2)), (3, 3));
}

#[test]
fn secrets_are_not_printed() {
    assert_eq!(format!("{:?}", Secret::new(String::from("hunter2"))), "Secret(***)");
}
