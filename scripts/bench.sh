#!/usr/bin/env bash
# npm run bench: set-up (so a fresh clone works), then the benchmark suite (bench/run.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/nbenv.sh   # project-local Jupyter paths and TMPDIR
# Data for the BVH and training entries: HPE_DATA_DIR, else ../shared/data beside the project, else data/.
if [ -z "${HPE_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export HPE_DATA_DIR="$(cd ../shared/data && pwd)"; fi
bash scripts/setup.sh >/dev/null
exec node --import tsx bench/run.ts "$@"
