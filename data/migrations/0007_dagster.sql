-- 0007: runs that follow work running elsewhere (a Dagster run). The row is
-- what lets a restarted jr resume following instead of calling the run lost.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE run_external (
    run_id       INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    system       TEXT    NOT NULL,               -- 'dagster'
    instance     TEXT    NOT NULL,               -- the [dagster.instances.NAME] it runs on
    external_id  TEXT    NOT NULL,               -- the Dagster run id
    url          TEXT    NOT NULL,               -- its page in the Dagster UI
    cursor       TEXT    NOT NULL DEFAULT '{}',  -- how far its log was copied (JSON)
    status       TEXT,                           -- the external status last seen (e.g. STARTED)
    unreachable_since INTEGER,                   -- ms; set while the service does not answer
    last_error   TEXT,                           -- why it did not answer
    updated_at   INTEGER NOT NULL
);
CREATE INDEX run_external_id ON run_external (system, external_id);
