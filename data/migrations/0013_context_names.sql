-- 0013: channel and client inside the full-text index. A search filtered to a
-- channel or client used to check every match's message row (a small channel
-- under a common word: tens of thousands of row reads); now FTS5 walks the
-- word's list and the channel's together. The two columns hold one token
-- each, standing for the name (`domain::context::text::name_token`); the
-- user's words are matched in `body` only.
-- Never edit once landed; add a new numbered file instead.
--
-- The index is contentless and its text is made in Rust (Korean bigrams), so
-- the migration's hook (`store::context::reindex`) refills it from
-- ctx_messages, in the same transaction.

DROP TABLE ctx_fts;
CREATE VIRTUAL TABLE ctx_fts USING fts5 (
    body,
    channel,
    client,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
