//! Task rows, their tags, dependencies and change events. Functions take a
//! `&Connection` so they compose inside one transaction opened by the engine.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::{Due, Priority, Task, TaskEvent, TaskStatus, from_millis, to_millis};
use crate::error::Result;

/// Which tasks a list shows. Empty `statuses` and `all == false` means open tasks.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub statuses: Vec<TaskStatus>,
    pub all: bool,
    pub tag: Option<String>,
    pub parent: Option<i64>,
    pub limit: Option<usize>,
    pub offset: usize,
}

const SEP: char = '\u{1f}';

pub(crate) const SELECT: &str = "SELECT t.id, t.title, t.body, t.status, t.priority, t.due, t.parent, \
     t.claimed_by, t.source, t.created_at, t.updated_at, t.closed_at, \
     (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM task_tags WHERE task_id = t.id ORDER BY tag)), \
     (SELECT group_concat(depends_on, char(31)) FROM (SELECT depends_on FROM task_deps WHERE task_id = t.id ORDER BY depends_on)) \
     FROM tasks t";

pub(crate) fn row_to_task(r: &Row<'_>) -> rusqlite::Result<Task> {
    let status: String = r.get(3)?;
    let due: Option<String> = r.get(5)?;
    let tags: Option<String> = r.get(12)?;
    let deps: Option<String> = r.get(13)?;
    Ok(Task {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        status: status.parse().unwrap_or(TaskStatus::Pending),
        priority: Priority(r.get::<_, i64>(4)?.clamp(0, 3) as u8),
        due: due.as_deref().and_then(Due::from_stored),
        parent: r.get(6)?,
        claimed_by: r.get(7)?,
        source: r.get(8)?,
        created_at: from_millis(r.get(9)?),
        updated_at: from_millis(r.get(10)?),
        closed_at: r.get::<_, Option<i64>>(11)?.map(from_millis),
        tags: tags
            .map(|s| s.split(SEP).map(String::from).collect())
            .unwrap_or_default(),
        depends_on: deps
            .map(|s| s.split(SEP).filter_map(|d| d.parse().ok()).collect())
            .unwrap_or_default(),
    })
}

pub(crate) fn status_list(statuses: &[TaskStatus]) -> String {
    // Static strings from the enum, never user text: the planner must see the
    // literal list to use the partial indexes.
    let quoted: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    quoted.join(", ")
}

pub fn due_sort(due: Option<&Due>, tz: Tz) -> i64 {
    due.map(|d| to_millis(d.deadline(tz))).unwrap_or(i64::MAX)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Task>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE t.id = ?1"))?;
    Ok(st.query_row([id], row_to_task).optional()?)
}

pub fn list(conn: &Connection, f: &TaskFilter) -> Result<Vec<Task>> {
    let mut sql = String::from(SELECT);
    // The plain open list walks its partial index in display order and stops
    // after a page; without the hint the planner sorts every open task.
    if f.statuses.is_empty() && !f.all && f.tag.is_none() && f.parent.is_none() {
        sql.push_str(" INDEXED BY tasks_open_order");
    }
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if !f.statuses.is_empty() {
        clauses.push(format!("t.status IN ({})", status_list(&f.statuses)));
    } else if !f.all {
        clauses.push("t.status IN ('pending', 'in_progress', 'review')".into());
    }
    if let Some(tag) = &f.tag {
        args.push(tag.clone().into());
        clauses.push(format!(
            "t.id IN (SELECT task_id FROM task_tags WHERE tag = ?{})",
            args.len()
        ));
    }
    if let Some(parent) = f.parent {
        args.push(parent.into());
        clauses.push(format!("t.parent = ?{}", args.len()));
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY t.priority, t.due_sort, t.id");
    args.push((f.limit.map(|l| l as i64).unwrap_or(-1)).into());
    sql.push_str(&format!(" LIMIT ?{}", args.len()));
    args.push((f.offset as i64).into());
    sql.push_str(&format!(" OFFSET ?{}", args.len()));
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), row_to_task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Pending tasks nobody else holds whose dependencies are all done, in the
/// order to work on them: priority, then due date, then age.
pub fn ready(conn: &Connection, me: Option<&str>, limit: usize) -> Result<Vec<Task>> {
    let sql = format!(
        "{SELECT} INDEXED BY tasks_pending_order WHERE t.status = 'pending' \
         AND (t.claimed_by IS NULL OR t.claimed_by = ?1) \
         AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks b ON b.id = d.depends_on \
                         WHERE d.task_id = t.id AND b.status <> 'done') \
         ORDER BY t.priority, t.due_sort, t.id LIMIT ?2"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![me, limit as i64], row_to_task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open tasks whose deadline has passed, most overdue first.
pub fn overdue(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<Task>> {
    let sql = format!(
        "{SELECT} INDEXED BY tasks_open_due WHERE t.status IN ('pending', 'in_progress', 'review') \
         AND t.due_sort < ?1 ORDER BY t.due_sort LIMIT ?2"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![to_millis(now), limit as i64], row_to_task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub struct InsertTask<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due: Option<&'a Due>,
    pub parent: Option<i64>,
    pub claimed_by: Option<&'a str>,
    pub source: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Keep this id (import); None lets SQLite choose.
    pub id: Option<i64>,
}

pub fn insert(conn: &Connection, t: &InsertTask<'_>, tz: Tz) -> Result<i64> {
    let mut st = conn.prepare_cached(
        "INSERT INTO tasks (id, title, body, status, priority, due, due_sort, parent, claimed_by, \
         source, created_at, updated_at, closed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    st.execute(params![
        t.id,
        super::redacted(t.title),
        super::redacted(t.body),
        t.status.as_str(),
        t.priority.0,
        t.due.map(Due::to_stored),
        due_sort(t.due, tz),
        t.parent,
        t.claimed_by,
        t.source,
        to_millis(t.created_at),
        to_millis(t.updated_at),
        t.closed_at.map(to_millis),
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn exists(conn: &Connection, id: i64) -> Result<bool> {
    let mut st = conn.prepare_cached("SELECT 1 FROM tasks WHERE id = ?1")?;
    Ok(st.exists([id])?)
}

pub fn add_tag(conn: &Connection, id: i64, tag: &str) -> Result<bool> {
    let mut st =
        conn.prepare_cached("INSERT OR IGNORE INTO task_tags (task_id, tag) VALUES (?1, ?2)")?;
    Ok(st.execute(params![id, tag])? > 0)
}

pub fn remove_tag(conn: &Connection, id: i64, tag: &str) -> Result<bool> {
    let mut st = conn.prepare_cached("DELETE FROM task_tags WHERE task_id = ?1 AND tag = ?2")?;
    Ok(st.execute(params![id, tag])? > 0)
}

pub fn add_dep(conn: &Connection, id: i64, on: i64) -> Result<()> {
    let mut st = conn
        .prepare_cached("INSERT OR IGNORE INTO task_deps (task_id, depends_on) VALUES (?1, ?2)")?;
    st.execute(params![id, on])?;
    Ok(())
}

/// True when `from` already (transitively) depends on `to`; adding `to -> from` would close a loop.
pub fn depends_transitively(conn: &Connection, from: i64, to: i64) -> Result<bool> {
    let mut st = conn.prepare_cached(
        "WITH RECURSIVE reach(id) AS (SELECT ?1 UNION SELECT d.depends_on FROM task_deps d \
         JOIN reach r ON d.task_id = r.id) SELECT 1 FROM reach WHERE id = ?2",
    )?;
    Ok(st.exists(params![from, to])?)
}

/// Dependencies of `id` that are not done yet: (id, title, status).
pub fn open_blockers(conn: &Connection, id: i64) -> Result<Vec<(i64, String, TaskStatus)>> {
    let mut st = conn.prepare_cached(
        "SELECT b.id, b.title, b.status FROM task_deps d JOIN tasks b ON b.id = d.depends_on \
         WHERE d.task_id = ?1 AND b.status <> 'done' ORDER BY b.id",
    )?;
    let rows = st.query_map([id], |r| {
        let s: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            s.parse().unwrap_or(TaskStatus::Pending),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn children(conn: &Connection, id: i64) -> Result<Vec<Task>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE t.parent = ?1 ORDER BY t.id"))?;
    let rows = st.query_map([id], row_to_task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tasks that wait on `id`.
pub fn dependents(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    let mut st = conn
        .prepare_cached("SELECT task_id FROM task_deps WHERE depends_on = ?1 ORDER BY task_id")?;
    let rows = st.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_status(
    conn: &Connection,
    id: i64,
    status: TaskStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let closed = status.is_closed().then(|| to_millis(now));
    let mut st = conn.prepare_cached(
        "UPDATE tasks SET status = ?2, closed_at = ?3, updated_at = ?4 WHERE id = ?1",
    )?;
    st.execute(params![id, status.as_str(), closed, to_millis(now)])?;
    Ok(())
}

/// The fields `edit` may change.
pub enum Field<'a> {
    Title(&'a str),
    Body(&'a str),
    Priority(Priority),
    Due(Option<&'a Due>),
}

pub fn set_field(
    conn: &Connection,
    id: i64,
    field: Field<'_>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<()> {
    let now = to_millis(now);
    match field {
        Field::Title(v) => conn
            .prepare_cached("UPDATE tasks SET title = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, super::redacted(v), now])?,
        Field::Body(v) => conn
            .prepare_cached("UPDATE tasks SET body = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, super::redacted(v), now])?,
        Field::Priority(p) => conn
            .prepare_cached("UPDATE tasks SET priority = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, p.0, now])?,
        Field::Due(d) => conn
            .prepare_cached(
                "UPDATE tasks SET due = ?2, due_sort = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, d.map(Due::to_stored), due_sort(d, tz), now])?,
    };
    Ok(())
}

pub fn touch(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, to_millis(now)])?;
    Ok(())
}

/// Claim `id` for `who` unless someone else holds it. One UPDATE, so two
/// processes racing cannot both win.
pub fn claim(conn: &Connection, id: i64, who: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE tasks SET claimed_by = ?2, updated_at = ?3 \
             WHERE id = ?1 AND (claimed_by IS NULL OR claimed_by = ?2)",
        )?
        .execute(params![id, who, to_millis(now)])?;
    Ok(n == 1)
}

pub fn release(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET claimed_by = NULL, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, to_millis(now)])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM tasks WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn add_event(
    conn: &Connection,
    id: i64,
    at: DateTime<Utc>,
    source: &str,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO task_events (task_id, at, source, field, old, new) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        to_millis(at),
        source,
        field,
        super::redacted_opt(old),
        super::redacted_opt(new)
    ])?;
    Ok(())
}

pub fn events(conn: &Connection, id: i64) -> Result<Vec<TaskEvent>> {
    let mut st = conn.prepare_cached(
        "SELECT at, source, field, old, new FROM task_events WHERE task_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(TaskEvent {
            at: from_millis(r.get(0)?),
            source: r.get(1)?,
            field: r.get(2)?,
            old: r.get(3)?,
            new: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Task counts per status, for status screens.
pub fn counts(conn: &Connection) -> Result<Vec<(TaskStatus, i64)>> {
    let mut st = conn.prepare_cached("SELECT status, count(*) FROM tasks GROUP BY status")?;
    let rows = st.query_map([], |r| {
        let s: String = r.get(0)?;
        Ok((s.parse().unwrap_or(TaskStatus::Pending), r.get(1)?))
    })?;
    let mut out: Vec<(TaskStatus, i64)> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort_by_key(|(s, _)| TaskStatus::ALL.iter().position(|x| x == s));
    Ok(out)
}

/// The top ready task with `tag` that nobody holds: what a worker takes.
pub fn ready_tagged(conn: &Connection, tag: &str) -> Result<Option<Task>> {
    let sql = format!(
        "{SELECT} INDEXED BY tasks_pending_order WHERE t.status = 'pending' \
         AND t.claimed_by IS NULL \
         AND t.id IN (SELECT task_id FROM task_tags WHERE tag = ?1) \
         AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks b ON b.id = d.depends_on \
                         WHERE d.task_id = t.id AND b.status <> 'done') \
         ORDER BY t.priority, t.due_sort, t.id LIMIT 1"
    );
    let mut st = conn.prepare_cached(&sql)?;
    Ok(st.query_row([tag], row_to_task).optional()?)
}
