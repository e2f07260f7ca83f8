-- 0003: the agent manager (models, skills, MCP servers, configured and graph
-- agents, every agent execution) and job chains.
-- Never edit once landed; add a new numbered file instead.

CREATE TABLE llm_models (
    id           INTEGER PRIMARY KEY,
    provider     TEXT    NOT NULL,                -- ollama | openai | a configured provider
    name         TEXT    NOT NULL,                -- as the provider names it: qwen2.5-coder:7b
    local        INTEGER NOT NULL DEFAULT 1,      -- runs on this machine (vs a cloud API)
    context_size INTEGER,
    description  TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (provider, name)
);

CREATE TABLE skills (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL DEFAULT '',      -- the SKILL.md body, added to system prompts
    source      TEXT,                             -- the folder it was imported from
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE mcp_servers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    command     TEXT,                             -- stdio transport: the command line
    url         TEXT,                             -- HTTP transport
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    CHECK ((command IS NULL) <> (url IS NULL))
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    description   TEXT    NOT NULL DEFAULT '',
    model         TEXT    NOT NULL,               -- provider/model
    system_prompt TEXT    NOT NULL DEFAULT '',
    temperature   REAL,
    max_tokens    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- A skill or MCP server in use cannot be removed (RESTRICT); the engine
-- names the agents using it.
CREATE TABLE agent_skills (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills(id) ON DELETE RESTRICT,
    pos      INTEGER NOT NULL,
    PRIMARY KEY (agent_id, skill_id)
) WITHOUT ROWID;
CREATE INDEX agent_skills_skill ON agent_skills (skill_id);

CREATE TABLE agent_mcps (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    mcp_id   INTEGER NOT NULL REFERENCES mcp_servers(id) ON DELETE RESTRICT,
    pos      INTEGER NOT NULL,
    PRIMARY KEY (agent_id, mcp_id)
) WITHOUT ROWID;
CREATE INDEX agent_mcps_mcp ON agent_mcps (mcp_id);

-- Graph agents (LangGraph, ...) live in Dagster; jr keeps a reference.
CREATE TABLE graph_agents (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    dagster_job TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Every agent execution: from `jr agents run`, an agent job, the chat.
CREATE TABLE agent_runs (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    agent       TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    prompt      TEXT    NOT NULL,
    output      TEXT    NOT NULL DEFAULT '',
    tokens_in   INTEGER,
    tokens_out  INTEGER,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    duration_ms INTEGER,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'success', 'failed', 'stopped')),
    error       TEXT,
    run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,  -- the jr run it belonged to
    config_hash TEXT    NOT NULL               -- sha256 of model + prompts + skills + options
);
CREATE INDEX agent_runs_agent ON agent_runs (agent, id);
CREATE INDEX agent_runs_run ON agent_runs (run_id);

-- Job–Agent collaboration: when a job's run ends (after its last attempt),
-- queue these jobs. Cycles are refused when jobs are saved.
CREATE TABLE job_chains (
    job_id    INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    on_status TEXT    NOT NULL CHECK (on_status IN ('success', 'failure')),
    target_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    pos       INTEGER NOT NULL,
    PRIMARY KEY (job_id, on_status, target_id)
) WITHOUT ROWID;
CREATE INDEX job_chains_target ON job_chains (target_id);

