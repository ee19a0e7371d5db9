#!/usr/bin/env bash
# The CPU build must not contain or pull in GPU code: neither the kokoro binary nor libkokoro.so
# may have a NEEDED entry, or a transitive ldd dependency, naming a GPU runtime.
set -euo pipefail
kokoro=$1 build=$2
# "cuda" must start a name or path component: ICU's libicudata (pulled in by libavcodec via
# libxml2) merely contains the letters.
gpu_pattern='(^|[^a-z]|lib)cuda|cublas|cudnn|nvidia|nvrtc|libnv|rocm|hip|amdhip|libhsa'
lib=$(ls "$build"/libkokoro.so.* 2>/dev/null | head -n1 || true)
[ -n "$lib" ] || { echo "FAIL: libkokoro.so not built in $build"; exit 1; }

status=0
for f in "$kokoro" "$lib"; do
  needed=$(readelf -d "$f" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); print $5}')
  [ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $f"; status=1; }
  if echo "$needed" | grep -Eiw -- "$gpu_pattern" >/dev/null || echo "$needed" | grep -Ei -- "$gpu_pattern" >/dev/null; then
    echo "FAIL: $f has GPU NEEDED entries:"; echo "$needed" | grep -Ei -- "$gpu_pattern"; status=1
  fi
  deps=$(ldd "$f" | awk '{print $1, $3}')
  if echo "$deps" | grep -Ei -- "$gpu_pattern" >/dev/null; then
    echo "FAIL: $f pulls GPU libraries transitively:"; echo "$deps" | grep -Ei -- "$gpu_pattern"; status=1
  fi
  echo "$f: $(echo "$needed" | wc -l) NEEDED, $(echo "$deps" | wc -l) transitive, no GPU library"
done
# A CUDA header must not be included anywhere in the CPU sources.
if grep -rlE '#\s*include\s*[<"](cuda|cublas|cudnn|nvrtc)' "$3/src" "$3/include" --include='*.c' --include='*.h' 2>/dev/null; then
  echo "FAIL: CPU sources include a CUDA header"; status=1
fi
exit $status
