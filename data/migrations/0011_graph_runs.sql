-- 0011: a graph agent's execution is a Dagster run: the execution keeps the
-- run's id and instance, so `jr agents runs` can settle it when the run ends.
-- Never edit once landed; add a new numbered file instead.

ALTER TABLE agent_runs ADD COLUMN dagster_run TEXT;
ALTER TABLE agent_runs ADD COLUMN dagster_instance TEXT;
CREATE INDEX agent_runs_dagster_open ON agent_runs (status) WHERE dagster_run IS NOT NULL;
