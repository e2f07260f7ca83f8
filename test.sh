#!/usr/bin/env bash
# The one command that passes every test on a fresh machine. It does its own
# set-up: builds jr and runs the unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --all-targets -- --test-threads="${JR_TEST_THREADS:-4}"
