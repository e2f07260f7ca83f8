-- 0010: tasks handed to agents, jobs and Dagster ("propagation"). Runs and
-- agent executions name the task they work on, so a task's work is one
-- ledger; a job may take tasks by itself (a worker on a tag).
-- Never edit once landed; add a new numbered file instead.

ALTER TABLE runs ADD COLUMN task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL;
CREATE INDEX runs_task ON runs (task_id, id) WHERE task_id IS NOT NULL;

ALTER TABLE agent_runs ADD COLUMN task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL;
CREATE INDEX agent_runs_task ON agent_runs (task_id, id) WHERE task_id IS NOT NULL;

-- A worker: each run of the job claims the top ready task with this tag.
ALTER TABLE jobs ADD COLUMN takes_tasks TEXT;
