#!/usr/bin/env bash
# The one command that passes every test on a fresh machine. It does its own
# set-up: builds jr and runs the unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")"
# tests/dagster.rs runs a real `dagster dev`: the pinned Dagster is installed
# into a virtualenv under target/ (about 30-50 s the first time, reused after).
tests/dagster/setup.sh >/dev/null
# tests/agent_tools.rs talks to a real MCP server written with the official
# Python SDK (tests/mcp_fixture/server.py): pinned into a virtualenv under target/.
tests/mcp_fixture/setup.sh >/dev/null
# Two test threads: several tests start a real `dagster dev` (Python, heavy)
# or a daemon, and the machines this runs on have two cores.
cargo test --all-targets --no-fail-fast -- --test-threads="${JR_TEST_THREADS:-2}"
