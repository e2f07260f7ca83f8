-- 0005: the context registry — conversations from AI clients, searchable.
-- Never edit once landed; add a new numbered file instead.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE ctx_messages (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    session     TEXT    NOT NULL,
    client      TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    -- Stored after redaction of anything that looks like a secret.
    content     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    metadata    TEXT,   -- a JSON object, or NULL
    -- 16 bytes of SHA-256 over the client's message id, or over
    -- (channel, session, role, created_at, content): a second copy is skipped.
    hash        BLOB    NOT NULL UNIQUE
);
CREATE INDEX ctx_messages_session ON ctx_messages (channel, session, created_at, id);

-- One row per (channel, session), kept up to date on every insert, so the
-- session list, channels and stats never count a million messages.
CREATE TABLE ctx_sessions (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    session     TEXT    NOT NULL,
    client      TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    messages    INTEGER NOT NULL DEFAULT 0,
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    UNIQUE (channel, session)
);
CREATE INDEX ctx_sessions_recent ON ctx_sessions (last_at DESC, id);
CREATE INDEX ctx_sessions_name ON ctx_sessions (session);

-- The full-text index. It holds a prepared text (Korean cut into two-letter
-- pieces, see src/domain/context/text.rs), not the message itself, so it is
-- contentless; rowid = ctx_messages.id. (A row is removed with FTS5's 'delete'
-- command and the prepared text, which can be made again from the message;
-- no contentless_delete, so SQLite before 3.43 can still read the file.)
CREATE VIRTUAL TABLE ctx_fts USING fts5 (
    body,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
