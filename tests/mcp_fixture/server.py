"""A small MCP server written with the official Python SDK (`mcp` on PyPI),
the other side of jr's agent tool tests. Run over stdio by default, or
`--http PORT` for streamable HTTP at http://127.0.0.1:PORT/mcp.

Tools: `echo` (read-only), `tasks_list` (read-only; its name collides with
`jr mcp`'s on purpose), `add_note` (destructive: writes a line to the file
named by $FIXTURE_NOTES), `slow` (sleeps), `huge` (a result of N bytes),
`fails` (a tool error the model reads), `crash` (the process dies mid-call,
after saying why on stderr).
"""
import asyncio
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
server = MCPServer("fixture")


@server.tool(description="Say the text back.", annotations=READ)
def echo(text: str) -> str:
    return f"echo: {text}"


@server.tool(description="The fixture's own tasks (a name jr mcp also has).", annotations=READ)
def tasks_list() -> str:
    return "fixture task: 물 주기"


@server.tool(
    description="Append a note to the notes file.",
    annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True),
)
def add_note(text: str) -> str:
    with open(os.environ.get("FIXTURE_NOTES", os.devnull), "a", encoding="utf-8") as f:
        f.write(text + "\n")
    return "noted"


@server.tool(description="Sleep for some seconds, then answer.", annotations=READ)
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "finally"


@server.tool(description="A result of n bytes.", annotations=READ)
def huge(n: int) -> str:
    return "x" * n


@server.tool(description="Always fails.", annotations=READ)
def fails() -> str:
    raise ValueError("the fixture failed on purpose")


@server.tool(description="Kill the server in the middle of the call.", annotations=READ)
def crash() -> str:
    sys.stderr.write("fixture: crashing on purpose (exit 3)\n")
    sys.stderr.flush()
    os._exit(3)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
