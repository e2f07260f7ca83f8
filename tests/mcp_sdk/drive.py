"""Drive `jr mcp` with the official Python MCP SDK (the client side), for
tests/mcp_sdk.rs. Reads a JSON list of steps on stdin, prints a JSON list of
results on stdout ({"init": {LABEL: initialize result}, "results": [...]}).

A step: {"client": LABEL, "op": OP, ...}. Each LABEL is its own `jr mcp`
process and ClientSession (clientInfo.name = LABEL), started on first use,
so one test can log a conversation from one client and read it from another.
OPs: list_tools, call (tool, args, progress: bool), list_resources,
read_resource (uri), list_prompts, get_prompt (name, args).
A result: the SDK's result as JSON (by alias), plus "progress": [messages]
for a call made with progress. A protocol error is {"error": message}.

The server command is $JR_BIN with args from $JR_MCP_ARGS (JSON list).
"""
import asyncio
import contextlib
import json
import os
import sys

from mcp import types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


def dump(r):
    return r.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main():
    steps = json.load(sys.stdin)
    args = json.loads(os.environ.get("JR_MCP_ARGS", '["mcp"]'))
    params = StdioServerParameters(command=os.environ["JR_BIN"], args=args, env=dict(os.environ))
    out = []
    inits = {}
    async with contextlib.AsyncExitStack() as stack:
        sessions = {}

        async def session(label):
            if label not in sessions:
                read, write = await stack.enter_async_context(stdio_client(params))
                s = await stack.enter_async_context(
                    ClientSession(read, write, client_info=types.Implementation(name=label, version="1"))
                )
                init = await s.initialize()
                inits[label] = dump(init)
                sessions[label] = s
            return sessions[label]

        for step in steps:
            s = await session(step["client"])
            op = step["op"]
            try:
                if op == "list_tools":
                    r = dump(await s.list_tools())
                elif op == "call":
                    seen = []

                    async def on_progress(progress, total, message):
                        seen.append(message)

                    r = dump(
                        await s.call_tool(
                            step["tool"],
                            step.get("args", {}),
                            progress_callback=on_progress if step.get("progress") else None,
                        )
                    )
                    if step.get("progress"):
                        r["progress"] = seen
                elif op == "list_resources":
                    r = dump(await s.list_resources())
                elif op == "read_resource":
                    r = dump(await s.read_resource(step["uri"]))
                elif op == "list_prompts":
                    r = dump(await s.list_prompts())
                elif op == "get_prompt":
                    r = dump(await s.get_prompt(step["name"], step.get("args")))
                else:
                    r = {"error": f"unknown op {op}"}
            except Exception as e:  # a protocol error is a result to check
                r = {"error": str(e)}
            out.append(r)
    json.dump({"init": inits, "results": out}, sys.stdout, ensure_ascii=False)


asyncio.run(main())
