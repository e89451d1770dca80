#!/usr/bin/env bash
# Build the optional OpenBLAS addon (native/{blas,ops,conv,fused}.c → native/build/hpe_blas.node):
# matrix products, reductions/element-wise ops and convolutions on TF.js's wasm heap.
# Needs a C compiler, Node's headers (node_api.h) and OpenBLAS (Debian: libopenblas-dev).
# Skipped when up to date; any failure leaves the pure TF.js kernels in use (exit 1 with the reason).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out=native/build/hpe_blas.node
if [ "${HPE_BLAS:-1}" = "0" ]; then echo "[native] HPE_BLAS=0: not building"; exit 0; fi
sources=(native/blas.c native/ops.c native/conv.c native/fused.c)
fresh=1
for f in "${sources[@]}" native/ops.h scripts/build-native.sh; do [ -f "$out" ] && [ "$out" -nt "$f" ] || fresh=0; done
if [ "$fresh" = 1 ]; then echo "[native] $out up to date"; exit 0; fi
cc="${CC:-cc}"
command -v "$cc" >/dev/null || { echo "[native] no C compiler ($cc)"; exit 1; }
inc=""
for d in "$(dirname "$(dirname "$(command -v node)")")/include/node" /usr/include/node /usr/local/include/node; do
  [ -f "$d/node_api.h" ] && { inc="$d"; break; }
done
[ -n "$inc" ] || { echo "[native] node_api.h not found (install Node's headers, e.g. Debian nodejs-dev or the Node tarball's include/)"; exit 1; }
blas_inc=""
for d in /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu /usr/include/openblas /usr/include; do
  [ -f "$d/cblas.h" ] && { blas_inc="$d"; break; }
done
[ -n "$blas_inc" ] || { echo "[native] cblas.h not found (Debian: apt-get install libopenblas-dev)"; exit 1; }
mkdir -p native/build
tmp="native/build/hpe_blas.$$.tmp.node"
"$cc" -O3 -fno-math-errno -ffp-contract=off -fPIC -shared -DNODE_GYP_MODULE_NAME=hpe_blas -I"$inc" -I"$blas_inc" "${sources[@]}" -o "$tmp" -lopenblas -lm -lpthread 2>&1 || { rm -f "$tmp"; echo "[native] compile failed"; exit 1; }
node -e "const m=require('./$tmp'.replace(/^\.\//,process.cwd()+'/')); if (typeof m.sgemm!=='function'||typeof m.conv2d!=='function'||typeof m.bnGrad!=='function') process.exit(1)" 2>/dev/null || { rm -f "$tmp"; echo "[native] built addon does not load"; exit 1; }
mv "$tmp" "$out"
echo "[native] built $out"
