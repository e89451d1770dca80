#!/usr/bin/env bash
# Run a command with the project's environment (project-local Jupyter paths and TMPDIR).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/nbenv.sh"
exec "$@"
