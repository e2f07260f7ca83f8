#!/usr/bin/env bash
# Installs the official Python MCP SDK (pinned) that the agent-tool tests'
# fixture server (tests/mcp_fixture/server.py) is written with, into a
# virtualenv under the build directory; reused when present. Prints its path.
# Wheels only; about 10-20 s the first time.
set -euo pipefail
VERSION=2.3.0
exec "$(dirname "$0")/../venv.sh" "${JR_MCP_VENV:-mcp-venv}" ".jr-mcp-$VERSION" \
    "the Python MCP SDK $VERSION" -- --only-binary=:all: "mcp==$VERSION"
