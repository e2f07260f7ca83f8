-- 0001: the task manager. Never edit once landed; add a new numbered file instead.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL CHECK (length(title) > 0),
    body        TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'review', 'done', 'cancelled')),
    priority    INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 3),
    -- `due` keeps what the user meant: 'YYYY-MM-DD' for a day, RFC 3339 for an instant.
    due         TEXT,
    -- `due_sort` is the instant used for ordering and "late"; no due sorts last.
    due_sort    INTEGER NOT NULL DEFAULT 9223372036854775807,
    parent      INTEGER REFERENCES tasks(id) ON DELETE RESTRICT,
    claimed_by  TEXT,
    source      TEXT    NOT NULL DEFAULT 'cli',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER
);

-- Open tasks in the order `list` and `ready` show them: a partial index lets a
-- LIMIT stop after a page instead of sorting every task.
CREATE INDEX tasks_open_order ON tasks (priority, due_sort, id)
    WHERE status IN ('pending', 'in_progress', 'review');
CREATE INDEX tasks_pending_order ON tasks (priority, due_sort, id)
    WHERE status = 'pending';
CREATE INDEX tasks_status ON tasks (status);
CREATE INDEX tasks_parent ON tasks (parent) WHERE parent IS NOT NULL;

CREATE TABLE task_tags (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    PRIMARY KEY (task_id, tag)
) WITHOUT ROWID;
CREATE INDEX task_tags_tag ON task_tags (tag, task_id);

CREATE TABLE task_deps (
    task_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on),
    CHECK (task_id <> depends_on)
) WITHOUT ROWID;
CREATE INDEX task_deps_reverse ON task_deps (depends_on, task_id);

-- Every change to a task: which field, from what, to what, by which source.
CREATE TABLE task_events (
    id       INTEGER PRIMARY KEY,
    task_id  INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    source   TEXT    NOT NULL,
    field    TEXT    NOT NULL,
    old      TEXT,
    new      TEXT
);
CREATE INDEX task_events_task ON task_events (task_id, id);
