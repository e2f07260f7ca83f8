//! The Dashboard's figures, kept by triggers as rows are written (migration
//! 0013): runs per quarter hour and tasks per status. Reading them costs a
//! few hundred small rows whatever the size of the tables they count.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::domain::{TaskStatus, to_millis};
use crate::error::Result;

/// A quarter hour in milliseconds: the width of one counted slot of runs.
pub const SLOT_MS: i64 = 900_000;

/// Runs per slot from the one holding `start` on: (slot start in ms,
/// successes, failures), oldest first; empty slots are left out.
pub fn runs_since(conn: &Connection, start: DateTime<Utc>) -> Result<Vec<(i64, i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT slot * 900000, success, failure FROM run_counts \
         WHERE slot >= ?1 AND (success <> 0 OR failure <> 0) ORDER BY slot",
    )?;
    let rows = st.query_map([to_millis(start).div_euclid(SLOT_MS)], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tasks per status, in the flow's order; statuses with none are left out
/// (what `store::tasks::counts` gives by counting).
pub fn tasks(conn: &Connection) -> Result<Vec<(TaskStatus, i64)>> {
    let mut st = conn.prepare_cached("SELECT status, n FROM task_counts WHERE n > 0")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out: Vec<(TaskStatus, i64)> = Vec::new();
    for row in rows {
        let (s, n) = row?;
        if let Ok(s) = s.parse::<TaskStatus>() {
            out.push((s, n));
        }
    }
    out.sort_by_key(|(s, _)| TaskStatus::ALL.iter().position(|x| x == s));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The triggers keep the counts equal to counting, through inserts,
    /// status changes, time moves and deletes.
    #[test]
    fn counts_follow_every_write() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        let exec = |sql: &str| c.execute_batch(sql).unwrap();
        exec(
            "INSERT INTO tasks (id, title, status, priority, due_sort, source, created_at, updated_at) VALUES \
             (1, 'a', 'pending', 2, 0, 'cli', 0, 0), (2, 'b', 'pending', 2, 0, 'cli', 0, 0), \
             (3, '스케줄러', 'done', 2, 0, 'cli', 0, 0);
             UPDATE tasks SET status = 'in_progress' WHERE id = 1;
             UPDATE tasks SET title = 'b2' WHERE id = 2;
             DELETE FROM tasks WHERE id = 3;",
        );
        let counted: Vec<(TaskStatus, i64)> = crate::store::tasks::counts(c).unwrap();
        assert_eq!(tasks(c).unwrap(), counted);
        assert_eq!(
            counted,
            vec![(TaskStatus::Pending, 1), (TaskStatus::InProgress, 1)]
        );

        exec(
            "INSERT INTO runs (id, job, status, trigger, queued_at) VALUES \
             (1, 'j', 'queued', 'manual', 1000), (2, 'j', 'success', 'manual', 2000), \
             (3, 'j', 'failed', 'manual', 900000), (4, 'j', 'running', 'manual', 1800000);
             UPDATE runs SET status = 'running' WHERE id = 1;
             UPDATE runs SET status = 'success' WHERE id = 1;
             UPDATE runs SET status = 'timeout' WHERE id = 4;
             UPDATE runs SET queued_at = 2700000 WHERE id = 4;
             UPDATE runs SET status = 'success' WHERE id = 3;
             DELETE FROM runs WHERE id = 2;",
        );
        let slots = runs_since(c, crate::domain::from_millis(0)).unwrap();
        assert_eq!(slots, vec![(0, 1, 0), (900000, 1, 0), (2700000, 0, 1)]);
        // Counted the slow way, the same.
        let mut st = c
            .prepare(
                "SELECT queued_at / 900000 * 900000, sum(status = 'success'), \
                 sum(status IN ('failed', 'timeout', 'lost', 'interrupted')) FROM runs \
                 WHERE status IN ('success', 'failed', 'timeout', 'lost', 'interrupted') \
                 GROUP BY 1 ORDER BY 1",
            )
            .unwrap();
        let slow: Vec<(i64, i64, i64)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(slots, slow);
    }
}
