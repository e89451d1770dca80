#!/usr/bin/env bash
# The whole test suite: set-up, type-check, unit tests, every notebook in the smoke
# profile, then end-to-end checks of the reports and figures they wrote.
# HPE_TEST_NOTEBOOKS=0 skips the notebook runs (and their checks) for a quick loop.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/nbenv.sh   # project-local Jupyter paths and TMPDIR
bash scripts/setup.sh
echo "[test] type-check (tsc strict: lib/, tests/, scripts/, bench/)"
node node_modules/typescript/bin/tsc -p tsconfig.json
echo "[test] formatting and lint (Biome: npm run format fixes what it can)"
node node_modules/@biomejs/biome/bin/biome ci --colors=off --reporter=summary
echo "[test] type-check lib/ as the notebooks' tslab kernel compiles it (TypeScript 5.0, non-strict)"
node scripts/check-tslab.cjs
echo "[test] compute backend:"
node --import tsx scripts/hpe.ts backend | sed -n 1p
echo "[test] unit tests"
node --import tsx --test tests/*.test.ts
if [ "${HPE_TEST_NOTEBOOKS:-1}" = "0" ]; then exit 0; fi
export HPE_PROFILE=smoke
export HPE_OUT_DIR="$ROOT/out/smoke"
rm -rf "$HPE_OUT_DIR/notebooks" "$HPE_OUT_DIR/reports" "$HPE_OUT_DIR/figures" "$HPE_OUT_DIR/tables" "$HPE_OUT_DIR/runs"
echo "[test] notebooks, smoke profile → $HPE_OUT_DIR"
bash scripts/run-notebooks.sh
echo "[test] end-to-end checks of the reports and figures"
HPE_REPORTS_DIR="$HPE_OUT_DIR" HPE_CHECK_FIGURES="$HPE_OUT_DIR/figures" node --import tsx --test tests/reports.test.ts tests/figure-check.test.ts
