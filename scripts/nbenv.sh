# Source this file: project-local Jupyter paths, so nothing is written to ~/.jupyter or ~/.local.
HPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HPE_ROOT
export JUPYTER_PATH="$HPE_ROOT/jupyter"
export JUPYTER_CONFIG_DIR="$HPE_ROOT/.jupyter-local/config"
export JUPYTER_DATA_DIR="$HPE_ROOT/.jupyter-local/data"
export JUPYTER_RUNTIME_DIR="$HPE_ROOT/.jupyter-local/runtime"
export JUPYTER_PLATFORM_DIRS=1
export IPYTHONDIR="$HPE_ROOT/.jupyter-local/ipython"
mkdir -p "$IPYTHONDIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$JUPYTER_CONFIG_DIR"
export PYDEVD_DISABLE_FILE_VALIDATION=1
export PATH="$HPE_ROOT/node_modules/.bin:$PATH"
# Temporary files (tsx's compile cache, Playwright's artifacts) stay in the project too.
export TMPDIR="$HPE_ROOT/out/.tmp"
mkdir -p "$TMPDIR"
export PYTHONDONTWRITEBYTECODE=1
