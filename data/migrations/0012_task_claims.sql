-- 0012: the names tasks are claimed by, read without a table scan: a streamed
-- `jr tasks list` sizes its CLAIM column from them before the first row.
-- Never edit once landed; add a new numbered file instead.

CREATE INDEX tasks_claimed ON tasks (claimed_by) WHERE claimed_by IS NOT NULL;
