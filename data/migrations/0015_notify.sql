-- 0015: notifications (issue 18).
-- - jobs.notify: the job's own targets as a JSON array of "NAME:WHEN"
--   (WHEN: on-failure, on-success, on-change); NULL: the config's default;
--   '[]': none, whatever the default;
-- - runs.notify_error: why a notification about the run could not be
--   delivered (after its retries); NULL when every one went out;
-- - notify_outbox: notifications owed, one per (run, target), written when a
--   run's last attempt ends and deleted once delivered or given up, so a
--   restart or a new lease holder sends what was not sent yet. Only names
--   are stored: a target's URL and secrets stay in config and the environment.
-- Never edit once landed; add a new numbered file instead.

ALTER TABLE jobs ADD COLUMN notify TEXT;
ALTER TABLE runs ADD COLUMN notify_error TEXT;

CREATE TABLE notify_outbox (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    target      TEXT NOT NULL,
    event       TEXT NOT NULL,          -- failed | succeeded | recovered
    created_at  INTEGER NOT NULL,       -- unix ms
    UNIQUE (run_id, target)
);
CREATE INDEX notify_outbox_target ON notify_outbox (target, id);

-- The Dashboard's "notifications failed" line reads only these runs.
CREATE INDEX runs_notify_failed ON runs (id) WHERE notify_error IS NOT NULL;
