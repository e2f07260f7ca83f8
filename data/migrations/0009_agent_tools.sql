-- 0009: MCP tools in agent runs — which destructive tools an agent may
-- call, a stdio MCP server's extra environment, and every tool call of an
-- agent execution.
-- Never edit once landed; add a new numbered file instead.

-- JSON arrays/objects: `["tasks_delete"]`, `{"KEY": "value"}`.
ALTER TABLE agents ADD COLUMN allow_tools TEXT NOT NULL DEFAULT '[]';
ALTER TABLE mcp_servers ADD COLUMN env TEXT NOT NULL DEFAULT '{}';

CREATE TABLE agent_tool_calls (
    id           INTEGER PRIMARY KEY,
    agent_run_id INTEGER NOT NULL REFERENCES agent_runs(id) ON DELETE CASCADE,
    server       TEXT    NOT NULL,                -- the MCP server's registered name
    tool         TEXT    NOT NULL,                -- the tool's name on that server
    arguments    TEXT    NOT NULL DEFAULT '{}',   -- JSON, as the model gave them
    ok           INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    error        TEXT,
    started_at   INTEGER NOT NULL
);
CREATE INDEX agent_tool_calls_run ON agent_tool_calls (agent_run_id, id);
