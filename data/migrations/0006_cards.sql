-- 0006: knowledge cards made from conversations by the ambient job, with
-- spaced-repetition state, and the ambient jobs' watermarks.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE cards (
    id           INTEGER PRIMARY KEY,
    question     TEXT    NOT NULL,
    answer       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    run_id       INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    -- SM-2 state
    ease         REAL    NOT NULL DEFAULT 2.5,
    interval_days INTEGER NOT NULL DEFAULT 0,
    repetitions  INTEGER NOT NULL DEFAULT 0,
    due_at       INTEGER NOT NULL,
    reviewed_at  INTEGER,
    last_grade   INTEGER,
    reviews      INTEGER NOT NULL DEFAULT 0,
    suspended    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cards_due ON cards (due_at) WHERE suspended = 0;

-- The conversation messages a card was made from.
CREATE TABLE card_sources (
    card_id    INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (card_id, message_id)
) WITHOUT ROWID;

-- How far an ambient job has read (e.g. the last context message id).
CREATE TABLE ambient_marks (
    job   TEXT    NOT NULL,
    key   TEXT    NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (job, key)
) WITHOUT ROWID;
