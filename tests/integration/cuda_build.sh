#!/usr/bin/env bash
# ctest-label: slow
# The CUDA backend cannot rot on machines without a GPU: configure a separate build with
# -DKOKORO_CUDA=ON (one architecture, 90, to keep nvcc quick), build libkokoro-cuda and
# kokoro-cuda-info, and compile the CPU side of the GPU build (engine/backend.c with
# KOKORO_HAVE_CUDA) and the GPU tests. Linking and running them is scripts/gpu-check.sh's job on a
# GPU machine. Skipped (exit 77) when nvcc is not installed.
set -euo pipefail
kokoro=$1 build=$2 src=$3
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
[ -x "$nvcc" ] || nvcc=$(command -v nvcc || true)
if [ -z "$nvcc" ]; then
  echo "SKIP: nvcc not found (CUDA toolkit not installed)"
  exit 77
fi
dir=$build/cuda-compile-check
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DKOKORO_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES=90 >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log"; echo "FAIL: configure with KOKORO_CUDA=ON"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
make -C "$dir" -j"$jobs" kokoro-cuda kokoro-cuda-info
make -C "$dir" src/engine/backend.o src/cli/main.o src/cli/cmd_bench.o
make -C "$dir/tests/gpu" test_cuda_ops.o test_cuda_golden.o

status=0
lib=$dir/libkokoro-cuda.so
for sym in kk_cuda_backend_new kk_cuda_describe kokoro_cuda_devices kk_cuda_test_conv1d; do
  nm -D --defined-only "$lib" | grep -qw "$sym" || { echo "FAIL: $lib does not export $sym"; status=1; }
done
obj=$(find "$dir/CMakeFiles/kokoro_objects.dir" -name 'backend.c.o' | head -n1)
nm "$obj" | grep -qE ' U kk_cuda_backend_new$' ||
  { echo "FAIL: backend.c in the GPU build does not call the CUDA backend"; status=1; }
# and the CPU build's backend.c must not
cpu_obj=$(find "$build/CMakeFiles/kokoro_objects.dir" -name 'backend.c.o' | head -n1)
if [ -n "$cpu_obj" ] && nm "$cpu_obj" | grep -q 'kk_cuda'; then
  echo "FAIL: the CPU build's backend.c refers to the CUDA backend"; status=1
fi
[ $status -eq 0 ] && echo "PASS: CUDA targets build (sm_90)"
exit $status
