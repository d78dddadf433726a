//! SQLite's failures, as rusqlite reports them, made the `sqlx::Error`s
//! that sqlx's own SQLite driver would have answered (`inline`), so the
//! rest of `db/` tells a unique violation or a busy database apart as it
//! did before.

use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;

/// A rusqlite error as sqlx reports it: SQLite's own failures as database
/// errors (so `is_unique_violation` and the message work as before).
pub(super) fn error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(failure, message) => sqlx::Error::Database(Box::new(SqliteError {
            message: message.unwrap_or_else(|| failure.to_string()),
            code: failure.extended_code,
        })),
        // A statement that does not compile (bundled SQLite reports where).
        rusqlite::Error::SqlInputError { error: failure, msg, .. } => {
            sqlx::Error::Database(Box::new(SqliteError { message: msg, code: failure.extended_code }))
        }
        other => sqlx::Error::AnyDriverError(Box::new(other)),
    }
}

/// An error SQLite answered: its message and extended result code.
#[derive(Debug)]
struct SqliteError {
    message: String,
    code: std::os::raw::c_int,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
