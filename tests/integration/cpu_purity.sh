#!/usr/bin/env bash
# The CPU build must not contain or pull in GPU code: neither the kokoro binary nor libkokoro.so
# may have a NEEDED entry, or a transitive ldd dependency, naming a GPU runtime
# (CUDA, cuBLAS, cuDNN, NVRTC, NVIDIA, ROCm/HIP), and no CPU source may include a CUDA header.
set -euo pipefail
kokoro=$1 build=$2 src=$3
source "$src/tests/gpu_names.sh"
gpu_names_selftest

lib=$(ls "$build"/libkokoro.so.* 2>/dev/null | head -n1 || true)
[ -n "$lib" ] || { echo "FAIL: libkokoro.so not built in $build"; exit 1; }

status=0
for f in "$kokoro" "$lib"; do
  ok=1
  needed=$(readelf -d "$f" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); print $5}')
  [ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $f"; ok=0; }
  hits=$(printf '%s\n' "$needed" | gpu_filter)
  [ -z "$hits" ] || { echo "FAIL: $f has GPU NEEDED entries:"; echo "$hits" | sed 's|^/||'; ok=0; }
  # Both the names and the resolved paths of the whole closure; "not found" entries count too.
  closure=$(ldd "$f" | awk '$2 == "=>" {print $1; if ($3 ~ /^\//) print $3; next} {print $1}')
  hits=$(printf '%s\n' "$closure" | gpu_filter)
  [ -z "$hits" ] || { echo "FAIL: $f pulls GPU libraries transitively:"; echo "$hits" | sed 's|^/\([^/]*\)$|\1|'; ok=0; }
  [ $ok -eq 1 ] && echo "$f: $(echo "$needed" | wc -l) NEEDED, $(ldd "$f" | wc -l) in the ldd closure, no GPU library"
  [ $ok -eq 1 ] || status=1
done
# CUDA headers belong to src/cuda/ (the separate kokoro-cuda target) and nowhere else.
if grep -rlE '#\s*include\s*[<"](cuda|cublas|cudnn|nvrtc|nvml|hip/)' "$src/src" "$src/include" \
     --include='*.c' --include='*.h' --exclude-dir=cuda 2>/dev/null; then
  echo "FAIL: CPU sources include a CUDA header"; status=1
fi
exit $status
