#!/usr/bin/env bash
# The main job: set-up, then every notebook end to end (profile HPE_PROFILE, default full),
# writing executed notebooks, HTML reports and figures under out/ (HPE_OUT_DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/nbenv.sh   # project-local Jupyter paths and TMPDIR
bash scripts/setup.sh
export HPE_PROFILE="${HPE_PROFILE:-full}"
echo "[reproduce] profile $HPE_PROFILE, data ${HPE_DATA_DIR:-data/}, outputs ${HPE_OUT_DIR:-out/}"
node --import tsx scripts/hpe.ts backend | sed -n 1p
bash scripts/run-notebooks.sh "$@"
echo "[reproduce] open ${HPE_OUT_DIR:-out}/index.html for the reports and figures"
