//! Whose file is this? jr marks its databases with `PRAGMA application_id`
//! and looks before it writes a byte: an empty or missing file is new; a file
//! with jr's mark is jr's; an unmarked SQLite file whose schema is what jr's
//! migrations made (a database from before the mark) is jr's and gets the
//! mark; an SQLite file with no tables and no mark holds nothing and is
//! taken as new; anything else is refused untouched, with what the file
//! looks like.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of every jr database: "jrdb" in ASCII.
pub const APP_ID: i32 = 0x6a72_6462;

/// What `look` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Missing or empty: jr may create its schema.
    New,
    /// jr's: marked, or unmarked with jr's schema (to be marked).
    Ours,
}

/// Decide from the file alone (and a read-only look inside) whether jr may
/// open `path` for writing. `migrations` are jr's SQL files, to tell which
/// tables a database at a given `user_version` must have.
pub fn look(path: &Path, migrations: &[&str]) -> Result<Found> {
    let mut head = [0u8; 100];
    let n = match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::New),
        Err(e) => return Err(cannot_read(path, &e)),
        Ok(mut f) => read_up_to(&mut f, &mut head).map_err(|e| cannot_read(path, &e))?,
    };
    if n == 0 {
        return Ok(Found::New);
    }
    if n < 100 || &head[..16] != b"SQLite format 3\0" {
        return Err(refuse(path, not_sqlite(path, &head[..n])));
    }
    let app_id = i32::from_be_bytes([head[68], head[69], head[70], head[71]]);
    if app_id == APP_ID {
        return Ok(Found::Ours);
    }
    // The header can lag behind the WAL: ask SQLite, read-only.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| cannot_read(path, &e))?;
    // Another jr may be creating it right now.
    conn.busy_timeout(super::BUSY_TIMEOUT)
        .map_err(|e| cannot_read(path, &e))?;
    // One snapshot for the mark, the version and the tables: read one by
    // one, a migration committing between them showed jr's tables at
    // user_version 0, "not jr's".
    let _snapshot = conn
        .unchecked_transaction()
        .map_err(|e| cannot_read(path, &e))?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| cannot_read(path, &e))?;
    if app_id == APP_ID {
        return Ok(Found::Ours);
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| cannot_read(path, &e))?;
    let tables = tables(&conn).map_err(|e| cannot_read(path, &e))?;
    let expected: Vec<String> = usize::try_from(version)
        .ok()
        .filter(|v| (1..=migrations.len()).contains(v))
        .map(|v| {
            migrations[..v]
                .iter()
                .flat_map(|m| created_tables(m))
                .collect()
        })
        .unwrap_or_default();
    if app_id == 0 && !expected.is_empty() && expected.iter().all(|t| tables.contains(t)) {
        return Ok(Found::Ours);
    }
    // An SQLite file with nothing in it holds nothing to lose: another jr
    // that is creating it right now, or `sqlite3 x.db 'VACUUM'`.
    if app_id == 0 && version == 0 && tables.is_empty() {
        return Ok(Found::New);
    }
    let mut what = format!(
        "an SQLite database that is not jr's: application_id {app_id:#x}, user_version {version}, "
    );
    match tables.len() {
        0 => what.push_str("no tables"),
        k => {
            let shown: Vec<&str> = tables.iter().take(6).map(String::as_str).collect();
            what.push_str(&format!(
                "{k} table{} ({}{})",
                if k == 1 { "" } else { "s" },
                shown.join(", "),
                if k > 6 { ", …" } else { "" }
            ));
        }
    }
    Err(refuse(path, what))
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    st.query_map([], |r| r.get(0))?.collect()
}

/// The names after `CREATE TABLE` in one migration.
fn created_tables(sql: &str) -> Vec<String> {
    sql.split("CREATE TABLE ")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .trim_start_matches("IF NOT EXISTS ")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

fn not_sqlite(path: &Path, head: &[u8]) -> String {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let text = std::str::from_utf8(head)
        .ok()
        .filter(|t| !t.chars().any(|c| c.is_control() && !c.is_whitespace()));
    match text {
        Some(t) => {
            let start: String = t.chars().take(24).collect();
            format!("not an SQLite database: {size} bytes of text starting {start:?}")
        }
        None => format!("not an SQLite database: {size} bytes of binary data"),
    }
}

fn refuse(path: &Path, what: String) -> Error {
    Error::config(format!("{} is {what}", path.display()))
        .hint("jr only opens its own databases, and nothing was changed; pass another path with --db or JR_DB")
}

fn cannot_read(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::config(format!(
        "cannot read {} to check it is jr's: {e}",
        path.display()
    ))
    .hint("check the file's permissions, or pass another path with --db or JR_DB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_tables_are_read_from_sql() {
        assert_eq!(
            created_tables("CREATE TABLE a (x);\nCREATE TABLE IF NOT EXISTS b_2(y);"),
            ["a", "b_2"]
        );
    }
}
