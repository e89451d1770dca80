#!/usr/bin/env bash
# Execute notebooks headless on the project-local tslab kernel (see scripts/run_notebooks.py).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/nbenv.sh"
cd "$HPE_ROOT"
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 scripts/run_notebooks.py "$@"
