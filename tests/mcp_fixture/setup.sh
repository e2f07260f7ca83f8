#!/usr/bin/env bash
# Installs the official Python MCP SDK (pinned) that the agent-tool tests'
# fixture server (tests/mcp_fixture/server.py) is written with, into a
# virtualenv under the build directory; reused when present. Prints its path.
# Wheels only; about 10-20 s the first time.
set -euo pipefail
VERSION=2.3.0
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${JR_MCP_VENV:-${CARGO_TARGET_DIR:-$ROOT/target}/mcp-venv}"
MARK="$VENV/.jr-mcp-$VERSION"
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
command -v python3 >/dev/null || { echo "setup.sh: python3 is needed for the MCP fixture server" >&2; exit 1; }
mkdir -p "$(dirname "$VENV")"
# Two test processes may ask at once: one installs, the other waits.
exec 9>"$VENV.lock"
flock 9
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --disable-pip-version-check --quiet --only-binary=:all: "mcp==$VERSION" >&2
touch "$MARK"
echo "setup.sh: the Python MCP SDK $VERSION ready in $VENV ($(( $(date +%s) - start )) s)" >&2
echo "$VENV"
