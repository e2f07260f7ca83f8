#!/usr/bin/env bash
# Installs the pinned Dagster that jr's tests run against into a virtualenv
# under the build directory, and reuses it when present. Prints its path.
# Wheels only (no compiler); about 30-50 s and 230 MB the first time.
set -euo pipefail
VERSION=1.13.27
exec "$(dirname "$0")/../venv.sh" "${JR_DAGSTER_VENV:-dagster-venv}" ".jr-dagster-$VERSION" \
    "Dagster $VERSION" -- "dagster==$VERSION" "dagster-webserver==$VERSION"
