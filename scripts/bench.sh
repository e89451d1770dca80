#!/usr/bin/env bash
# npm run bench: set-up (so a fresh clone works), then the benchmark suite (bench/run.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/nbenv.sh   # project-local Jupyter paths and TMPDIR
bash scripts/setup.sh >/dev/null
export HPE_DATA_DIR="${HPE_DATA_DIR:-$( [ -d ../shared/data ] && cd ../shared/data && pwd || echo data )}"
exec node --import tsx bench/run.ts "$@"
