#!/usr/bin/env bash
# Install Debian/Ubuntu packages that are missing, quietly: apt's output goes to
# out/logs/setup-apt.log (HPE_OUT_DIR/logs when set); on failure its last lines are printed.
#   bash scripts/apt-install.sh pkg1 pkg2 …     exit 0 when all are installed afterwards
# Uses sudo when not root. Exit 2 when apt-get is not available (not Debian/Ubuntu).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[setup] %s\n' "$*"; }
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  say "missing system packages: ${missing[*]}; this script installs them with apt-get (Debian/Ubuntu). Install them by hand on other systems."
  exit 2
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "missing system packages: ${missing[*]}; not root and no sudo: install them as root (apt-get install ${missing[*]})"; exit 1; }
  SUDO="sudo"
fi
logdir="${HPE_OUT_DIR:-$ROOT/out}/logs"
mkdir -p "$logdir"
log="$logdir/setup-apt.log"
say "installing system packages: ${missing[*]} (apt output → ${log#"$ROOT"/})"
{
  echo "=== $(date -u '+%Y-%m-%d %H:%M:%S UTC') apt-get install ${missing[*]}"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
} >>"$log" 2>&1 || {
  status=$?
  say "apt-get failed (exit $status); the last lines of $log:"
  tail -n 25 "$log" | sed 's/^/  | /'
  exit 1
}
say "installed: ${missing[*]}"
