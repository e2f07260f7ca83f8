-- 0014: the Dashboard's figures kept as they are written, so opening it on
-- 100,000 tasks and a million runs costs what a small database does:
-- - runs counted per quarter hour, so runs per day reads a few hundred small
--   rows instead of grouping a year of runs. Quarter hours (UTC): every time
--   zone's midnight falls on one, so days fold exactly in the user's zone
--   (see engine/status.rs);
-- - tasks counted per status;
-- - open tasks by deadline (an index), so "overdue" and its count read only
--   the late ones.
-- Kept by triggers, so every write path (scheduler, CLI, TUI, MCP, import,
-- pruning) keeps them true without a line of its own.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE run_counts (
    slot     INTEGER PRIMARY KEY,           -- queued_at / 900000
    success  INTEGER NOT NULL DEFAULT 0,
    failure  INTEGER NOT NULL DEFAULT 0     -- failed, timeout, lost, interrupted
);

INSERT INTO run_counts (slot, success, failure)
SELECT queued_at / 900000,
       sum(status = 'success'),
       sum(status IN ('failed', 'timeout', 'lost', 'interrupted'))
FROM runs
WHERE status IN ('success', 'failed', 'timeout', 'lost', 'interrupted')
GROUP BY queued_at / 900000;

CREATE TRIGGER run_counts_ins AFTER INSERT ON runs
WHEN NEW.status IN ('success', 'failed', 'timeout', 'lost', 'interrupted')
BEGIN
    INSERT INTO run_counts (slot, success, failure)
    VALUES (NEW.queued_at / 900000, NEW.status = 'success', NEW.status <> 'success')
    ON CONFLICT (slot) DO UPDATE SET
        success = success + excluded.success,
        failure = failure + excluded.failure;
END;

CREATE TRIGGER run_counts_upd AFTER UPDATE OF status, queued_at ON runs
WHEN (OLD.status = 'success') <> (NEW.status = 'success')
  OR (OLD.status IN ('failed', 'timeout', 'lost', 'interrupted'))
     <> (NEW.status IN ('failed', 'timeout', 'lost', 'interrupted'))
  OR (OLD.queued_at / 900000 <> NEW.queued_at / 900000
      AND OLD.status IN ('success', 'failed', 'timeout', 'lost', 'interrupted'))
BEGIN
    UPDATE run_counts SET
        success = success - (OLD.status = 'success'),
        failure = failure - (OLD.status IN ('failed', 'timeout', 'lost', 'interrupted'))
    WHERE slot = OLD.queued_at / 900000;
    INSERT INTO run_counts (slot, success, failure)
    VALUES (NEW.queued_at / 900000, NEW.status = 'success',
            NEW.status IN ('failed', 'timeout', 'lost', 'interrupted'))
    ON CONFLICT (slot) DO UPDATE SET
        success = success + excluded.success,
        failure = failure + excluded.failure;
END;

CREATE TRIGGER run_counts_del AFTER DELETE ON runs
WHEN OLD.status IN ('success', 'failed', 'timeout', 'lost', 'interrupted')
BEGIN
    UPDATE run_counts SET
        success = success - (OLD.status = 'success'),
        failure = failure - (OLD.status <> 'success')
    WHERE slot = OLD.queued_at / 900000;
END;

CREATE TABLE task_counts (
    status  TEXT    PRIMARY KEY,
    n       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO task_counts (status, n) SELECT status, count(*) FROM tasks GROUP BY status;

CREATE TRIGGER task_counts_ins AFTER INSERT ON tasks
BEGIN
    INSERT INTO task_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER task_counts_upd AFTER UPDATE OF status ON tasks
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO task_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER task_counts_del AFTER DELETE ON tasks
BEGIN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
END;

-- Open tasks in deadline order (with `due`, so counting the late ones reads
-- the index alone). The WHERE is the open list as store/tasks.rs writes it.
CREATE INDEX tasks_open_due ON tasks (due_sort, due)
    WHERE status IN ('pending', 'in_progress', 'review');
