#!/usr/bin/env bash
# The CPU build must not contain or pull in GPU code: neither the kokoro binary nor libkokoro.so
# may have a NEEDED entry, or a transitive ldd dependency, naming a GPU runtime
# (CUDA, cuBLAS, cuDNN, NVRTC, NVIDIA, ROCm/HIP), and no CPU source may include a CUDA header.
# The same holds for the libraries they load at run time with dlopen (libavcodec/libavutil for
# AAC): found as the sonames named in the binaries that are not NEEDED entries, resolved through
# the loader cache, and checked with their whole ldd closure.
set -euo pipefail
kokoro=$1 build=$2 src=$3
source "$src/tests/gpu_names.sh"
gpu_names_selftest

lib=$(ls "$build"/libkokoro.so.* 2>/dev/null | head -n1 || true)
[ -n "$lib" ] || { echo "FAIL: libkokoro.so not built in $build"; exit 1; }

# closure_hits: reads ldd output and prints the GPU libraries in it, by name and by resolved
# path; "not found" entries count too.
closure_hits() {
  awk '$2 == "=>" {print $1; if ($3 ~ /^\//) print $3; next} {print $1}' | gpu_filter | sed 's|^/\([^/]*\)$|\1|'
}
# The parsing must catch a GPU library in real ldd output and spare ICU's libicudata.
closure_selftest() {
  local gpu='	libcudart.so.12 => /usr/local/cuda/lib64/libcudart.so.12 (0x00007f0000000000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0000100000)'
  local gpu_unresolved='	libcublas.so.12 => not found'
  local cpu='	linux-vdso.so.1 (0x00007ffd00000000)
	libicudata.so.72 => /lib/x86_64-linux-gnu/libicudata.so.72 (0x00007f0000200000)
	libcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x00007f0000300000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f0000400000)'
  [ -n "$(closure_hits <<<"$gpu")" ] || { echo "selftest: libcudart in an ldd closure not caught"; return 1; }
  [ -n "$(closure_hits <<<"$gpu_unresolved")" ] || { echo "selftest: unresolved libcublas not caught"; return 1; }
  [ -z "$(closure_hits <<<"$cpu")" ] || { echo "selftest: a CPU closure taken for GPU: $(closure_hits <<<"$cpu")"; return 1; }
}
closure_selftest

ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
# resolve SONAME: the path the dynamic loader's cache gives for this architecture.
# awk reads the whole listing: exiting early would kill ldconfig with SIGPIPE, and under pipefail
# that failed the assignment and ended the script silently now and then.
resolve() {
  "$ldconfig" -p | awk -v n="$1" '$1 == n && /x86-64/ && !done {print $NF; done = 1}'
}

status=0
runtime=()
for f in "$kokoro" "$lib"; do
  ok=1
  needed=$(readelf -d "$f" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); print $5}')
  [ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $f"; ok=0; }
  hits=$(printf '%s\n' "$needed" | gpu_filter)
  [ -z "$hits" ] || { echo "FAIL: $f has GPU NEEDED entries:"; echo "$hits" | sed 's|^/||'; ok=0; }
  hits=$(ldd "$f" | closure_hits)
  [ -z "$hits" ] || { echo "FAIL: $f pulls GPU libraries transitively:"; echo "$hits"; ok=0; }
  [ $ok -eq 1 ] && echo "$f: $(echo "$needed" | wc -l) NEEDED, $(ldd "$f" | wc -l) in the ldd closure, no GPU library"
  [ $ok -eq 1 ] || status=1
  # Sonames in the file that are neither NEEDED nor its own are the ones it passes to dlopen.
  own=$(readelf -d "$f" | awk '/SONAME/ {gsub(/[\[\]]/, "", $5); print $5}')
  while read -r name; do
    printf '%s\n%s\n' "$needed" "$own" | grep -qxF -- "$name" || runtime+=("$name")
  done < <(strings -a "$f" | grep -xE 'lib[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*\.so(\.[0-9]+)*' | sort -u)
done

mapfile -t runtime < <(printf '%s\n' "${runtime[@]}" | sort -u)
# AAC is known to load libavcodec at run time; if it is not found, the discovery is broken and
# the check below would pass vacuously.
printf '%s\n' "${runtime[@]}" | grep -q '^libavcodec\.so\.' \
  || { echo "FAIL: no run-time loaded libavcodec found among: ${runtime[*]:-none}"; status=1; }
for name in "${runtime[@]}"; do
  hits=$(printf '%s\n' "$name" | gpu_filter)
  [ -z "$hits" ] || { echo "FAIL: kokoro loads the GPU library $name at run time"; status=1; continue; }
  path=$(resolve "$name")
  [ -n "$path" ] && [ -e "$path" ] || { echo "FAIL: run-time library $name is not in the loader cache"; status=1; continue; }
  hits=$( { echo "$path"; ldd "$path"; } | closure_hits)
  [ -z "$hits" ] || { echo "FAIL: run-time library $name ($path) pulls GPU libraries:"; echo "$hits"; status=1; continue; }
  echo "$name (dlopen): $path, $(ldd "$path" | wc -l) in the ldd closure, no GPU library"
done
# CUDA headers belong to src/cuda/ (the separate kokoro-cuda target) and nowhere else.
if grep -rlE '#\s*include\s*[<"](cuda|cublas|cudnn|nvrtc|nvml|hip/)' "$src/src" "$src/include" \
     --include='*.c' --include='*.h' --exclude-dir=cuda 2>/dev/null; then
  echo "FAIL: CPU sources include a CUDA header"; status=1
fi
exit $status
