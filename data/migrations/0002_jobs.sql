-- 0002: jobs, runs with their output, and the scheduler lease.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL DEFAULT 'shell',
    schedule       TEXT,                         -- cron expression; NULL = on demand only
    tz             TEXT,                         -- IANA zone; NULL = the configured default
    enabled        INTEGER NOT NULL DEFAULT 1,
    description    TEXT    NOT NULL DEFAULT '',
    spec           TEXT    NOT NULL DEFAULT '{}', -- kind-specific settings (JSON): command, cwd, env, ...
    timeout_ms     INTEGER,
    retries        INTEGER NOT NULL DEFAULT 0,
    retry_backoff_ms INTEGER NOT NULL DEFAULT 30000,
    overlap        TEXT    NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'queue', 'allow')),
    misfire        TEXT    NOT NULL DEFAULT 'once' CHECK (misfire IN ('once', 'skip', 'all')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    -- Fires up to this instant have been dealt with (run, skipped or recorded missed).
    fired_through  INTEGER NOT NULL
);

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    job_id         INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    job            TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed',
                       'timeout', 'cancelled', 'skipped', 'missed', 'lost', 'interrupted')),
    trigger        TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual', 'retry', 'catchup',
                       'chain', 'chat', 'mcp')),
    scheduled_for  INTEGER,
    -- Set for scheduled fires only: one row per (job, fire), whoever records it.
    fire_key       INTEGER,
    queued_at      INTEGER NOT NULL,
    not_before     INTEGER,                      -- retries wait for their backoff
    started_at     INTEGER,
    finished_at    INTEGER,
    duration_ms    INTEGER,
    exit_code      INTEGER,
    error          TEXT,
    result         TEXT,
    attempt        INTEGER NOT NULL DEFAULT 1,
    first_run      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    upstream_run   INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    owner          TEXT,                         -- holder id of the process executing it
    owner_pid      INTEGER,
    owner_host     TEXT,
    pgid           INTEGER,                      -- the child's process group, while running
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    output_bytes   INTEGER NOT NULL DEFAULT 0,   -- everything the run printed
    output_cut     INTEGER NOT NULL DEFAULT 0    -- bytes dropped from the middle by the cap
);
CREATE UNIQUE INDEX runs_fire ON runs (job_id, fire_key);
CREATE INDEX runs_job ON runs (job_id, id);
CREATE INDEX runs_job_name ON runs (job, id);
CREATE INDEX runs_job_active ON runs (job_id) WHERE status IN ('queued', 'running');
CREATE INDEX runs_active ON runs (status, id) WHERE status IN ('queued', 'running');
CREATE INDEX runs_recent ON runs (queued_at);
CREATE INDEX runs_status ON runs (status, id);

-- Output lines, interleaved stdout/stderr as they arrived. Past the cap the
-- head stays and the tail is rewritten; a `cut` row marks the hole.
CREATE TABLE run_output (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    stream  TEXT    NOT NULL CHECK (stream IN ('out', 'err', 'jr', 'cut')),
    line    TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- One scheduler per database: whoever holds this row fires jobs.
CREATE TABLE scheduler_lease (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    holder       TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT    NOT NULL,
    role         TEXT    NOT NULL,               -- daemon | tui | cli
    acquired_at  INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

-- Bumped by triggers so a scheduler can tell cheaply that jobs changed.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('jobs', 0);
CREATE TRIGGER jobs_rev_ins AFTER INSERT ON jobs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'jobs';
END;
CREATE TRIGGER jobs_rev_upd AFTER UPDATE OF name, schedule, tz, enabled, spec, timeout_ms,
    retries, retry_backoff_ms, overlap, misfire, kind ON jobs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'jobs';
END;
CREATE TRIGGER jobs_rev_del AFTER DELETE ON jobs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'jobs';
END;
