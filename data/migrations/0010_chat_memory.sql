-- 0008: chat turns remember what they acted on and what they showed, so a
-- follow-up ("the second one", "그거") resolves without a model; how each
-- decision was carried out; the agent execution a delegation made.
-- Never edit once landed; add a new numbered file instead.

ALTER TABLE chat_turns ADD COLUMN target TEXT;                      -- JSON {"kind": ..., ...} or NULL
ALTER TABLE chat_turns ADD COLUMN shown TEXT NOT NULL DEFAULT '[]'; -- JSON list of targets, in the order listed
ALTER TABLE chat_turns ADD COLUMN handled TEXT;                     -- answered, acted, deferred, escalated, p0_..., ...
ALTER TABLE chat_turns ADD COLUMN agent_run_id INTEGER;
