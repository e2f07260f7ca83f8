//! The SQLite store: one file, opened with WAL, a busy timeout and foreign keys,
//! migrated by numbered SQL files embedded from `data/migrations/`. Synchronous;
//! knows nothing of tokio, HTTP or the terminal. Every statement binds its
//! parameters; none is built with `format!` from user data.

pub mod agent_runs;
pub mod agents;
pub mod cards;
pub mod chains;
pub mod chat;
pub mod context;
pub mod context_rank;
pub mod counts;
pub mod external;
pub mod hub;
pub mod identity;
pub mod jobs;
pub mod lease;
pub mod notify;
pub mod runs;
pub mod task_query;
pub mod tasks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// The migrations, in order. Never edit a landed file; add the next number.
const MIGRATIONS: &[&str] = &[
    include_str!("../../data/migrations/0001_tasks.sql"),
    include_str!("../../data/migrations/0002_jobs.sql"),
    include_str!("../../data/migrations/0003_agents.sql"),
    include_str!("../../data/migrations/0004_chat.sql"),
    include_str!("../../data/migrations/0005_context.sql"),
    include_str!("../../data/migrations/0006_cards.sql"),
    include_str!("../../data/migrations/0007_dagster.sql"),
    include_str!("../../data/migrations/0008_handoff.sql"),
    include_str!("../../data/migrations/0009_agent_tools.sql"),
    include_str!("../../data/migrations/0010_chat_memory.sql"),
    include_str!("../../data/migrations/0011_graph_runs.sql"),
    include_str!("../../data/migrations/0012_task_claims.sql"),
    context::REINDEX_MIGRATION,
    include_str!("../../data/migrations/0014_counts.sql"),
    include_str!("../../data/migrations/0015_notify.sql"),
    include_str!("../../data/migrations/0016_run_params.sql"),
    include_str!("../../data/migrations/0017_tasks_list_index.sql"),
];

/// Text as it may be stored: every secret the one redactor knows replaced
/// (`domain::context::redact`). Applied by the repositories to free text
/// people and models write (tasks, their history, agent runs, run errors).
pub fn redacted(text: &str) -> String {
    crate::domain::context::redact::redact(text).0
}

/// The same for an optional text.
pub fn redacted_opt(text: Option<&str>) -> Option<String> {
    text.map(redacted)
}

/// How long a writer waits for another process before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(8);
/// How long a writer keeps trying for the write lock in all (busy timeout
/// included) before it reports the database locked.
pub const WRITE_WAIT: Duration = Duration::from_secs(60);
/// A write transaction held longer than this is logged as slow.
pub const SLOW_WRITE: Duration = Duration::from_millis(50);

thread_local! {
    /// A commit on this thread left the WAL past `WAL_CHECKPOINT_PAGES`.
    static CHECKPOINT_DUE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// SQLite's own threshold for its automatic checkpoint (1,000 pages).
const WAL_CHECKPOINT_PAGES: std::ffi::c_int = 1000;

/// The WAL hook (it replaces SQLite's automatic checkpoint, which ran in
/// COMMIT and made a write look as if it held the lock for a checkpoint's
/// length): a checkpoint is marked due; `Store::write` runs it after its
/// transaction. A commit outside `write` only marks it; the next `write`
/// of any process sees the WAL's size again and checkpoints.
fn wal_due(_: &rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    if pages >= WAL_CHECKPOINT_PAGES {
        CHECKPOINT_DUE.with(|c| c.set(true));
    }
    Ok(())
}

/// SQLite's "busy" or "locked": another connection holds what this one needs.
trait Busy {
    fn busy(&self) -> bool;
}

impl Busy for rusqlite::Error {
    fn busy(&self) -> bool {
        matches!(
            self.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

impl Busy for rusqlite_migration::Error {
    fn busy(&self) -> bool {
        matches!(self, rusqlite_migration::Error::RusqliteError { err, .. } if err.busy())
    }
}

/// Run `f` again while it fails busy, with a growing, jittered pause, for up
/// to `wait` in all; then its last error. SQLite's busy handler covers most
/// waits, but not all (a write lock taken while a crowd writes can starve
/// one process; a WAL switch or a read upgraded to a write is answered busy
/// at once to avoid a deadlock).
fn retry_busy<T, E: Busy>(
    wait: Duration,
    mut f: impl FnMut() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let deadline = std::time::Instant::now() + wait;
    let mut pause = Duration::from_millis(2);
    loop {
        match f() {
            Err(e) if e.busy() && std::time::Instant::now() < deadline => {
                // Jitter from the clock's low bits: waiters spread out.
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos());
                let jitter =
                    Duration::from_micros(u64::from(nanos % 1000) * pause.as_millis() as u64);
                std::thread::sleep(pause + jitter);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            r => return r,
        }
    }
}

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .map(|sql| {
                if *sql == context::REINDEX_MIGRATION {
                    // The index text is made in Rust: refilled after the SQL.
                    M::up_with_hook(sql, context::reindex)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
}

/// The schema version this binary writes.
pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

impl Store {
    /// Open (creating if needed, mode 0600, in folders made 0700) the
    /// database file at `path` and migrate it. A file that is not jr's is
    /// refused before a byte is written (`identity::look`); a read-only
    /// database is refused with the reason.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| {
                    Error::config(format!(
                        "cannot create the directory {}: {e}",
                        dir.display()
                    ))
                    .hint(access_hint(path))
                })?;
        }
        let found = identity::look(path, MIGRATIONS)?;
        if found == identity::Found::New {
            create_private(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            Error::config(format!("cannot open the database {}: {e}", path.display()))
                .hint(access_hint(path))
        })?;
        // SQLite falls back to read-only when it may not write; jr would then
        // fail on its first write (a daemon retrying forever): say so now.
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(Error::config(format!(
                "the database {} is read-only: jr cannot write to it",
                path.display()
            ))
            .hint(access_hint(path)));
        }
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
        };
        store.prepare()?;
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None };
        store.prepare()?;
        Ok(store)
    }

    fn prepare(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        let where_ = self.describe();
        let path = self.path.clone();
        let hint = move || match &path {
            Some(p) => access_hint(p),
            None => "pass another path with --db or JR_DB".into(),
        };
        // Two jr processes opening a new database at once: the one switching
        // it to WAL holds it exclusively, and SQLite answers the other's
        // switch "busy" at once (its busy handler is not asked there).
        retry_busy(BUSY_TIMEOUT, || {
            self.conn.pragma_update(None, "journal_mode", "WAL")
        })
        .map_err(|e| Error::config(format!("{where_} cannot be used: {e}")).hint(hint()))?;
        // Instead of SQLite's automatic checkpoint inside COMMIT: `write`
        // checkpoints after its transaction (see `wal_due`).
        self.conn.wal_hook(Some(wal_due));
        self.conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
        )?;
        self.migrate()?;
        context_rank::register(&self.conn)?;
        let app_id: i32 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))?;
        if app_id != identity::APP_ID {
            retry_busy(BUSY_TIMEOUT, || {
                self.conn
                    .pragma_update(None, "application_id", identity::APP_ID)
            })
            .map_err(|e| {
                Error::config(format!("cannot mark {where_} as jr's: {e}")).hint(hint())
            })?;
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let on_disk: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let on_disk = on_disk.max(0) as usize;
        let ours = schema_version();
        if on_disk > ours {
            return Err(Error::config(format!(
                "{} has schema version {on_disk}, but this jr knows only up to {ours}",
                self.describe()
            ))
            .hint("it was written by a newer jr; upgrade jr (nothing was changed)"));
        }
        if on_disk == ours {
            return Ok(());
        }
        let migrated = retry_busy(BUSY_TIMEOUT, || migrations().to_latest(&mut self.conn));
        if let Err(e) = migrated {
            // Two jr processes creating one database: the other one won.
            let now: i64 = self
                .conn
                .pragma_query_value(None, "user_version", |r| r.get(0))?;
            if usize::try_from(now).ok() == Some(ours) {
                return Ok(());
            }
            // The error quotes the whole migration; its SQLite message is enough.
            let e = e.to_string();
            let why = e.rsplit(": ").next().unwrap_or(&e);
            return Err(Error::config(format!(
                "cannot migrate {}: {}",
                self.describe(),
                crate::text::fit(why.trim(), 300)
            ))
            .hint("the database was left as it was; nothing was changed"));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("the database {}", p.display()),
            None => "the in-memory database".into(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in an IMMEDIATE transaction: the write lock is taken up front, so
    /// two processes never deadlock upgrading a read, and a failed `f` leaves
    /// nothing behind.
    ///
    /// Writers wait their turn: when the busy timeout passes while others
    /// write (a crowd of processes can starve one through SQLite's sleeping
    /// busy handler), taking the lock is retried with a growing, jittered
    /// pause for up to `WRITE_WAIT` before "database is locked" is reported.
    /// A transaction that held the lock longer than `SLOW_WRITE` is logged.
    #[track_caller]
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let caller = std::panic::Location::caller();
        let tx = self.begin_immediate()?;
        let held = std::time::Instant::now();
        let out = f(&tx)?;
        let body = held.elapsed();
        tx.commit()?;
        let took = held.elapsed();
        if took > SLOW_WRITE {
            tracing::warn!(
                ms = took.as_millis() as u64,
                // The commit's share (a WAL checkpoint runs in it).
                commit_ms = (took - body).as_millis() as u64,
                at = %caller,
                "slow write transaction: held the database's write lock for {} ms",
                took.as_millis()
            );
        }
        // The WAL grew past SQLite's checkpoint threshold: copy it back now,
        // after the transaction and outside its timing (a PASSIVE checkpoint
        // holds no write lock: other writers go on meanwhile).
        if CHECKPOINT_DUE.with(|c| c.replace(false)) {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
        Ok(out)
    }

    fn begin_immediate(&self) -> Result<Transaction<'_>> {
        Ok(retry_busy(WRITE_WAIT, || {
            Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
        })?)
    }

    /// Size of the database file plus its WAL, in bytes.
    pub fn size_bytes(&self) -> u64 {
        let Some(p) = &self.path else {
            let pages: i64 = self
                .conn
                .pragma_query_value(None, "page_count", |r| r.get(0))
                .unwrap_or(0);
            let size: i64 = self
                .conn
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .unwrap_or(0);
            return (pages * size) as u64;
        };
        let mut wal = p.clone().into_os_string();
        wal.push("-wal");
        [p.as_path(), Path::new(&wal)]
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Why jr may not write `path`, for a hint: the file or its folder read-only.
fn access_hint(path: &Path) -> String {
    use nix::unistd::{AccessFlags, access};
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if path.exists() && access(path, AccessFlags::W_OK).is_err() {
        return format!(
            "the file {} is not writable by this user: fix its permissions (chmod u+w), or pass another path with --db or JR_DB",
            path.display()
        );
    }
    if dir.exists() && access(dir, AccessFlags::W_OK).is_err() {
        return format!(
            "the folder {} is read-only: jr writes the database's -wal and -shm files beside it; make the folder writable, or pass another path with --db or JR_DB",
            dir.display()
        );
    }
    "check that the disk is not full or mounted read-only, or pass another path with --db or JR_DB"
        .into()
}

fn create_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| {
            Error::config(format!(
                "cannot create the database {}: {e}",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn newer_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jr.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap();
        assert!(err.message.contains("schema version 99"), "{}", err.message);
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 99);
    }

    #[test]
    fn new_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/jr.db");
        Store::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
