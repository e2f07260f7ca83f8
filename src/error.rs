//! One error type for the whole program. Each error has a *kind* that decides
//! the CLI's exit code, a message that says what was wrong, and hints that say
//! what to do about it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user asked for something impossible: unknown id, forbidden move, bad date.
    User,
    /// The configuration, keymap or database cannot be used.
    Config,
    /// SQLite failed underneath us.
    Database,
    /// The database cannot be written and waiting will not change that
    /// (read-only file, folder or mount; not a database any more): a daemon
    /// stops instead of retrying.
    Unwritable,
    /// A service jr talks to (Dagster, Ollama) is unreachable or misbehaved.
    Service,
    /// The machine would not give jr what it needs to run — an async
    /// runtime, a thread, the terminal, a signal handler: nothing in the
    /// user's config is wrong.
    System,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn user(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::User,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn config(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Config,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn service(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Service,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// The runtime, a thread, the terminal or a signal handler failed (not the user's config).
    pub fn system(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::System,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hints.push(hint.into());
        self
    }

    /// Exit code of the CLI: 1 user error, 3 config or database, 4 service,
    /// 5 system (runtime, thread, terminal, signal).
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::User => 1,
            ErrorKind::Config | ErrorKind::Database | ErrorKind::Unwritable => 3,
            ErrorKind::Service => 4,
            ErrorKind::System => 5,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        let busy = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        );
        use rusqlite::ErrorCode as C;
        let unwritable = matches!(
            e.sqlite_error_code(),
            Some(C::ReadOnly | C::CannotOpen | C::NotADatabase | C::DatabaseCorrupt)
        );
        if unwritable {
            return Error {
                kind: ErrorKind::Unwritable,
                message: format!("the database cannot be written: {e}"),
                hints: vec![
                    "check that the database file and its folder are writable and the disk is not mounted read-only"
                        .into(),
                ],
            };
        }
        let err = Error {
            kind: ErrorKind::Database,
            message: format!("database: {e}"),
            hints: Vec::new(),
        };
        if busy {
            err.hint("another jr process held the database too long; try again")
        } else {
            err
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::User,
            message: e.to_string(),
            hints: Vec::new(),
        }
    }
}
