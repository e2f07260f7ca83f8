#!/usr/bin/env bash
# A pinned Python virtualenv for the tests, under the build directory, made
# once and reused; prints its path. Used by tests/dagster/setup.sh and
# tests/mcp_fixture/setup.sh.
#   venv.sh DIR_NAME MARK WHAT -- PIP_ARGS...
# DIR_NAME: the folder under target/ (or an absolute path to use instead);
# MARK: a file name written when the install is complete (carry the version);
# WHAT: what is installed, for messages.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME="$1" MARK_NAME="$2" WHAT="$3"
shift 4
case "$NAME" in
    /*) VENV="$NAME" ;;
    *) VENV="${CARGO_TARGET_DIR:-$ROOT/target}/$NAME" ;;
esac
MARK="$VENV/$MARK_NAME"
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
command -v python3 >/dev/null || { echo "setup: python3 is needed to install $WHAT for the tests" >&2; exit 1; }
mkdir -p "$(dirname "$VENV")"
# Two test processes may ask at once: one installs, the other waits.
exec 9>"$VENV.lock"
flock 9
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --disable-pip-version-check --quiet "$@" >&2
touch "$MARK"
echo "setup: $WHAT ready in $VENV ($(( $(date +%s) - start )) s)" >&2
echo "$VENV"
