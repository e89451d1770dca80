#!/usr/bin/env bash
# Interactive notebooks: Debian's Jupyter Notebook on the project's tslab kernel, opened in
# your browser at notebooks/.  `npm run notebook` (extra arguments go to `jupyter notebook`,
# e.g. `npm run notebook -- --no-browser --port 8899`).
# On first use it installs what it needs: the jupyter-notebook Debian package (apt output in
# out/logs/setup-apt.log) and, on a fresh clone, the npm packages (scripts/setup.sh).
# Jupyter's config, runtime files and trust database stay in .jupyter-local/ (scripts/nbenv.sh):
# nothing is written to ~/.jupyter or ~/.local/share/jupyter.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/nbenv.sh
if [ ! -f node_modules/tslab/dist/main.js ]; then
  bash scripts/setup.sh   # fresh clone: npm packages (and everything else set-up does)
fi
bash scripts/apt-install.sh jupyter-notebook python3-notebook
extra=()
[ "$(id -u)" -eq 0 ] && extra+=(--allow-root)   # containers often run as root
# Debian's Python on purpose (not pyenv/conda): the notebook server is Debian's package.
exec /usr/bin/python3 -m notebook --notebook-dir="$ROOT" --NotebookApp.default_url=/tree/notebooks \
  --MultiKernelManager.default_kernel_name=tslab "${extra[@]}" "$@"
