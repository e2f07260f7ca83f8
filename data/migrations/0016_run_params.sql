-- 0015: run parameters. A job declares its parameters with their defaults
-- (a JSON object of strings); a run records the parameters it ran with
-- (NULL until it starts when it was queued without any: a scheduled fire
-- takes the job's defaults when it is claimed).
-- Never edit once landed; add a new numbered file instead.

ALTER TABLE jobs ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN params TEXT;

-- A scheduler keeps its jobs until the revision moves: new defaults move it.
CREATE TRIGGER jobs_rev_params AFTER UPDATE OF params ON jobs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'jobs';
END;
