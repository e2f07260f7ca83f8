#!/usr/bin/env bash
# Installs the pinned Dagster that jr's tests run against into a virtualenv
# under the build directory, and reuses it when present. Prints its path.
# Wheels only (no compiler); about 30-50 s and 230 MB the first time.
set -euo pipefail
VERSION=1.13.27
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${JR_DAGSTER_VENV:-${CARGO_TARGET_DIR:-$ROOT/target}/dagster-venv}"
MARK="$VENV/.jr-dagster-$VERSION"
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
command -v python3 >/dev/null || { echo "setup.sh: python3 is needed to install Dagster for the tests" >&2; exit 1; }
mkdir -p "$(dirname "$VENV")"
# Two test processes may ask at once: one installs, the other waits.
exec 9>"$VENV.lock"
flock 9
if [ -f "$MARK" ]; then echo "$VENV"; exit 0; fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --disable-pip-version-check --quiet \
    "dagster==$VERSION" "dagster-webserver==$VERSION" >&2
touch "$MARK"
echo "setup.sh: Dagster $VERSION ready in $VENV ($(( $(date +%s) - start )) s)" >&2
echo "$VENV"
