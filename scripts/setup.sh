#!/usr/bin/env bash
# Idempotent set-up: system packages (Debian/Ubuntu), npm packages, optional native kernels, data.
# Safe to re-run; each step is skipped when already done.  Nothing is written outside the
# project except system packages (apt) and npm's cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/nbenv.sh   # project-local Jupyter paths and TMPDIR
say() { printf '[setup] %s\n' "$*"; }

# 1. Node.js version (package.json "engines").
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`[setup] Node ${process.version} is too old: hpe3d needs Node >= 20.19 (require(esm), used by tslab).`); process.exit(1); }'

# 2. System packages: Jupyter (Debian's, run with /usr/bin/python3; jupyter-notebook for `npm run notebook`),
#    Chromium for figure export, numpy for the reference benchmark, OpenBLAS headers for the optional native
#    matmul kernel, a fixed font, blahtexml to turn the notebooks' equations into MathML (reports then need no
#    MathJax). apt's output goes to out/logs/setup-apt.log; only a failure prints it (scripts/apt-install.sh).
APT_PKGS=(jupyter-nbconvert python3-nbclient jupyter-core jupyter-client python3-ipykernel jupyter-notebook python3-numpy chromium fonts-open-sans libopenblas-dev blahtexml)
if bash scripts/apt-install.sh "${APT_PKGS[@]}"; then
  say "system packages ready"
else
  exit 1
fi

# 3. npm packages, from the committed lockfile.  Re-installed only when the lockfile changed.
stamp="node_modules/.hpe-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
else
  say "npm packages up to date"
fi

# 4. Optional native kernels (OpenBLAS sgemm for TF.js); a failed build leaves the pure TF.js path.
if [ -f scripts/build-native.sh ]; then bash scripts/build-native.sh || say "native kernels not built: the pure TF.js path will be used"; fi

# 5. Data: open CMU motion capture when no data folder is configured or present.
#    A failed download is not fatal here: notebooks then stop with a message saying where data is looked for.
if [ -z "${HPE_DATA_DIR:-}" ]; then
  node --import tsx scripts/fetch-data.ts --if-missing || say "no data fetched: set HPE_DATA_DIR to a folder with cmu-mocap/ or bandai-namco-motion/"
else
  say "data folder: $HPE_DATA_DIR"
fi
say "done"
