-- 0007: the chat gateway's turns: each message, the reply and the routing
-- decision, with the person's rating of it (for calibrating the router later)
-- and the task or run the message created. Never edit once landed.

CREATE TABLE chat_turns (
    id         INTEGER PRIMARY KEY,
    message    TEXT    NOT NULL,
    reply      TEXT    NOT NULL,
    route      TEXT    NOT NULL CHECK (route IN ('answer', 'act', 'defer', 'escalate')),
    intent     TEXT    NOT NULL,
    via        TEXT    NOT NULL CHECK (via IN ('rules', 'llm', 'fallback')),
    reason     TEXT    NOT NULL DEFAULT '',
    task_id    INTEGER,                          -- the task it created or moved (kept if deleted)
    run_id     INTEGER,                          -- the run it queued
    rating     INTEGER CHECK (rating IN (-1, 1)), -- 👎 / 👍; NULL: not rated
    created_at INTEGER NOT NULL
);
