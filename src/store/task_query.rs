//! Pages of tasks for browsing front ends (the TUI's list, filter and
//! palette): a richer filter than `TaskFilter` — negation, several tags, a
//! subsequence match on the title, "roots only" for a tree — plus counts and
//! the sub-tasks under a page. Every value is bound; the only formatted
//! fragments are status lists from the enum (literal, so the planner can use
//! the partial indexes) and fixed clause shapes.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::types::Value;

use super::tasks::{SELECT, row_to_task, status_list};
use crate::domain::{Priority, Task, TaskStatus, to_millis};
use crate::error::Result;

/// One condition a task must meet (or, negated, must not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Status(TaskStatus),
    Tag(String),
    Priority(Priority),
    ClaimedBy(String),
    /// Claimed by anyone.
    Claimed,
    /// The title holds these characters in this order (ASCII case ignored).
    Text(String),
    /// The deadline has passed.
    Late,
    HasDue,
    Parent(i64),
}

/// Which tasks, in list order (priority, due, id), and which page of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// The statuses shown; empty means the open ones.
    pub statuses: Vec<TaskStatus>,
    /// `(negated, condition)`; every one must hold.
    pub conds: Vec<(bool, Cond)>,
    /// Only tasks whose parent is not itself shown: the top of a tree.
    pub roots_only: bool,
    pub limit: usize,
    pub offset: usize,
}

const OPEN: [TaskStatus; 3] = [
    TaskStatus::Pending,
    TaskStatus::InProgress,
    TaskStatus::Review,
];

impl TaskQuery {
    /// The statuses in the order of `TaskStatus::ALL`, without repeats.
    pub fn status_set(&self) -> Vec<TaskStatus> {
        let wanted: &[TaskStatus] = if self.statuses.is_empty() {
            &OPEN
        } else {
            &self.statuses
        };
        TaskStatus::ALL
            .into_iter()
            .filter(|s| wanted.contains(s))
            .collect()
    }
}

/// `%a%b%c%` with `\` escaping: a subsequence match in LIKE.
fn subsequence_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
        p.push('%');
    }
    p
}

fn status_clause(set: &[TaskStatus], col: &str) -> Option<String> {
    (set.len() < TaskStatus::ALL.len()).then(|| format!("{col} IN ({})", status_list(set)))
}

/// The WHERE clause (with its leading ` WHERE`, or empty) and its arguments.
fn where_clause(q: &TaskQuery, now: DateTime<Utc>) -> (String, Vec<Value>) {
    let set = q.status_set();
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    clauses.extend(status_clause(&set, "t.status"));
    if q.roots_only {
        match status_clause(&set, "p.status") {
            Some(ps) => clauses.push(format!(
                "(t.parent IS NULL OR NOT EXISTS \
                 (SELECT 1 FROM tasks p WHERE p.id = t.parent AND {ps}))"
            )),
            None => clauses.push("t.parent IS NULL".into()),
        }
    }
    for (negated, cond) in &q.conds {
        let mut arg = |v: Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        let sql = match cond {
            Cond::Status(s) => format!("t.status = {}", arg(s.as_str().to_string().into())),
            Cond::Tag(t) => format!(
                "t.id IN (SELECT task_id FROM task_tags WHERE tag = {})",
                arg(t.clone().into())
            ),
            Cond::Priority(p) => format!("t.priority = {}", arg(i64::from(p.0).into())),
            Cond::ClaimedBy(who) => {
                format!("coalesce(t.claimed_by = {}, 0)", arg(who.clone().into()))
            }
            Cond::Claimed => "t.claimed_by IS NOT NULL".into(),
            Cond::Text(text) => format!(
                "t.title LIKE {} ESCAPE '\\'",
                arg(subsequence_pattern(text).into())
            ),
            Cond::Late => format!(
                "(t.due IS NOT NULL AND t.due_sort < {})",
                arg(to_millis(now).into())
            ),
            Cond::HasDue => "t.due IS NOT NULL".into(),
            Cond::Parent(p) => format!("coalesce(t.parent = {}, 0)", arg((*p).into())),
        };
        clauses.push(if *negated {
            format!("NOT ({sql})")
        } else {
            sql
        });
    }
    if clauses.is_empty() {
        return (String::new(), args);
    }
    (format!(" WHERE {}", clauses.join(" AND ")), args)
}

/// The SELECT of `q` in list order with a LIMIT (-1: none) and OFFSET, and its arguments.
fn ordered(
    select: &str,
    q: &TaskQuery,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> (String, Vec<Value>) {
    let (where_, mut args) = where_clause(q, now);
    let set = q.status_set();
    // Walk the partial index in display order and stop after the page, as
    // `tasks::list` does; without the hint the planner sorts every open task.
    let hint = if set == OPEN {
        " INDEXED BY tasks_open_order"
    } else if set == [TaskStatus::Pending] {
        " INDEXED BY tasks_pending_order"
    } else {
        ""
    };
    args.push(limit.into());
    let limit = args.len();
    args.push(offset.into());
    let offset = args.len();
    let sql = format!(
        "{select}{hint}{where_} ORDER BY t.priority, t.due_sort, t.id LIMIT ?{limit} OFFSET ?{offset}"
    );
    (sql, args)
}

/// One page of tasks in list order.
pub fn page(conn: &Connection, q: &TaskQuery, now: DateTime<Utc>) -> Result<Vec<Task>> {
    let (sql, args) = ordered(SELECT, q, now, q.limit as i64, q.offset as i64);
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), row_to_task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `tasks::SELECT` for long lists, the same columns. `full` (JSON): every
/// column, dependencies included. Otherwise only what a table shows (id,
/// title, status, priority, due, parent, claim, tags; body and source empty,
/// times 0, no dependencies): all in the open-order index (0017), so the
/// open list never reads the table. Tags come unordered (no sorter per row)
/// and are sorted by `stream`.
fn stream_select(full: bool) -> String {
    let tags = "(SELECT group_concat(tag, char(31)) FROM task_tags WHERE task_id = t.id)";
    if full {
        format!(
            "SELECT t.id, t.title, t.body, t.status, t.priority, t.due, t.parent, \
             t.claimed_by, t.source, t.created_at, t.updated_at, t.closed_at, {tags}, \
             (SELECT group_concat(depends_on, char(31)) FROM task_deps WHERE task_id = t.id) \
             FROM tasks t"
        )
    } else {
        format!(
            "SELECT t.id, t.title, '', t.status, t.priority, t.due, t.parent, \
             t.claimed_by, '', 0, 0, NULL, {tags}, NULL FROM tasks t"
        )
    }
}

/// Every task of `q` in list order from `q.offset` (at most `limit`; `None`:
/// all), handed to `each` as SQLite reads it. Nothing is collected, so a list
/// of any length holds one task in memory; `each` returns false to stop.
/// Without `full` only the columns a table shows are read (`stream_select`).
pub fn stream(
    conn: &Connection,
    q: &TaskQuery,
    limit: Option<usize>,
    full: bool,
    now: DateTime<Utc>,
    mut each: impl FnMut(Task) -> Result<bool>,
) -> Result<()> {
    let limit = limit.map_or(-1, |l| l.min(i64::MAX as usize) as i64);
    let (sql, args) = ordered(&stream_select(full), q, now, limit, q.offset as i64);
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args))?;
    while let Some(r) = rows.next()? {
        let mut t = row_to_task(r)?;
        t.tags.sort_unstable();
        t.depends_on.sort_unstable();
        if !each(t)? {
            break;
        }
    }
    Ok(())
}

/// What a streamed table needs to know before its first row: the largest
/// task id and every name tasks are claimed by (through a partial index).
pub fn layout_bounds(conn: &Connection) -> Result<(i64, Vec<String>)> {
    let max_id: Option<i64> = conn
        .prepare_cached("SELECT max(id) FROM tasks")?
        .query_row([], |r| r.get(0))?;
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT claimed_by FROM tasks INDEXED BY tasks_claimed WHERE claimed_by IS NOT NULL",
    )?;
    let names = st.query_map([], |r| r.get(0))?;
    Ok((max_id.unwrap_or(0), names.collect::<rusqlite::Result<_>>()?))
}

/// How many tasks the query matches, all pages together.
pub fn count(conn: &Connection, q: &TaskQuery, now: DateTime<Utc>) -> Result<i64> {
    let (where_, args) = where_clause(q, now);
    // "Late" among open tasks (the Dashboard's overdue count): the deadline
    // index reads only the late ones; the planner would take the status
    // index and look at every open task.
    let late = q.conds.contains(&(false, Cond::Late));
    let hint = if late && q.status_set() == OPEN {
        " INDEXED BY tasks_open_due"
    } else {
        ""
    };
    let sql = format!("SELECT count(*) FROM tasks t{hint}{where_}");
    let mut st = conn.prepare_cached(&sql)?;
    Ok(st.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
}

/// The sub-tasks (at any depth) of `roots` that have one of `statuses`, each
/// level in list order; at most `cap` tasks, so a huge family cannot stall a page.
pub fn subtree(
    conn: &Connection,
    roots: &[i64],
    statuses: &[TaskStatus],
    cap: usize,
) -> Result<Vec<Task>> {
    let q = TaskQuery {
        statuses: statuses.to_vec(),
        ..TaskQuery::default()
    };
    let set = q.status_set();
    let status = status_clause(&set, "t.status")
        .map(|s| format!(" AND {s}"))
        .unwrap_or_default();
    let sql = format!(
        "{SELECT} WHERE t.parent = ?1{status} ORDER BY t.priority, t.due_sort, t.id LIMIT ?2"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut out: Vec<Task> = Vec::new();
    let mut queue: std::collections::VecDeque<i64> = roots.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        let left = cap.saturating_sub(out.len());
        if left == 0 {
            break;
        }
        let kids = st
            .query_map(rusqlite::params![id, left as i64], row_to_task)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        queue.extend(kids.iter().map(|k| k.id));
        out.extend(kids);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequence_patterns_escape_like_wildcards() {
        assert_eq!(subsequence_pattern("스케"), "%스%케%");
        assert_eq!(subsequence_pattern("a_%"), "%a%\\_%\\%%");
        assert_eq!(subsequence_pattern("a b"), "%a%b%");
    }

    #[test]
    fn status_sets_follow_the_enum_order() {
        let q = TaskQuery {
            statuses: vec![TaskStatus::Done, TaskStatus::Pending, TaskStatus::Done],
            ..TaskQuery::default()
        };
        assert_eq!(q.status_set(), vec![TaskStatus::Pending, TaskStatus::Done]);
        assert_eq!(TaskQuery::default().status_set(), OPEN.to_vec());
    }

    /// The open list (a table, not JSON) reads only the open-order index:
    /// no row fetched from the table by id (migration 0017).
    #[test]
    fn the_open_list_is_read_from_its_index_alone() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let (sql, args) = ordered(
            &stream_select(false),
            &TaskQuery::default(),
            Utc::now(),
            -1,
            0,
        );
        let mut st = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let plan: Vec<String> = st
            .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p == "SCAN t USING COVERING INDEX tasks_open_order"),
            "{plan:?}"
        );
    }
}
