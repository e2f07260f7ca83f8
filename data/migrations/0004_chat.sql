-- 0004: the chat gateway's turns: the message, the decision, the reply and
-- what it made, with a rating for later calibration of the router.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE chat_turns (
    id          INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    session     TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    reply       TEXT    NOT NULL,
    route       TEXT    NOT NULL CHECK (route IN ('answer', 'act', 'defer', 'escalate')),
    intent      TEXT    NOT NULL,
    via         TEXT    NOT NULL CHECK (via IN ('rules', 'llm', 'fallback')),
    reason      TEXT    NOT NULL DEFAULT '',
    urgent      INTEGER NOT NULL DEFAULT 0,
    task_id     INTEGER,
    run_id      INTEGER,
    model       TEXT,                       -- the model that classified or answered, if any
    tokens_in   INTEGER,
    tokens_out  INTEGER,
    error       TEXT,
    rating      INTEGER CHECK (rating IN (-1, 1))
);
CREATE INDEX chat_turns_session ON chat_turns (session, id);
CREATE INDEX chat_turns_escalated ON chat_turns (created_at) WHERE route = 'escalate';
