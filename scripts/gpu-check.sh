#!/usr/bin/env bash
# The prepared device check of the CUDA backend, for a machine with an NVIDIA GPU and the CUDA
# toolkit: configure and build with -DKOKORO_CUDA=ON for the GPU present, run the GPU tests (the
# operations against the CPU primitives, the golden cases on the CUDA backend), then
# `kokoro bench --device cuda` on the full-size random model at batch 1, and write a report.
#   scripts/gpu-check.sh [OUT_DIR]      (default $OUT, else ./gpu-check-out)
# Environment: CUDA_ARCH (default: the compute capability of GPU 0, e.g. 90 on H100/H200),
# BUILD_DIR (default build/gpu-check), JOBS (default nproc), BENCH_RUNS (default 3).
# Budget: under 8 minutes on a 16-core H100/H200 machine; a failing step is reported and the
# rest still runs. Exit status: 0 when every step passed.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-$PWD/gpu-check-out}}
build=${BUILD_DIR:-$src/build/gpu-check}
jobs=${JOBS:-$(nproc)}
runs=${BENCH_RUNS:-3}
mkdir -p "$out"
report=$out/gpu-check-report.md
status=0
t_start=$(date +%s)

step() { # step NAME COMMAND...: runs it with its output in $out/NAME.log, records the result
  local name=$1 t0 rc
  shift
  t0=$(date +%s)
  "$@" >"$out/$name.log" 2>&1
  rc=$?
  printf -- '- %s: %s (%ss)\n' "$name" "$([ $rc -eq 0 ] && echo ok || echo "FAILED, exit $rc")" \
    "$(( $(date +%s) - t0 ))" >>"$report"
  [ $rc -eq 0 ] || status=1
  return $rc
}

{
  echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "commit: $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo '```'
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || echo "nvidia-smi failed"
  /usr/local/cuda/bin/nvcc --version 2>&1 | tail -n 2
  echo '```'
  echo
} >"$report"

arch=${CUDA_ARCH:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' .')}
arch=${arch:-90}
echo "CUDA architecture: $arch" >>"$report"
echo >>"$report"

step configure cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKOKORO_CUDA=ON \
  "-DCMAKE_CUDA_ARCHITECTURES=$arch"
step build cmake --build "$build" -j"$jobs" --target kokoro kokoro-cuda-info test_cuda_ops \
  test_cuda_golden test_golden
kokoro=$build/kokoro

step cuda-info "$build/kokoro-cuda-info"
step version "$kokoro" --version
# The GPU tests exit 77 without a device; on this machine a skip is a failure.
step gpu-tests ctest --test-dir "$build" -L gpu --output-on-failure --no-tests=error
if grep -q "Skipped" "$out/gpu-tests.log"; then
  echo "- gpu-tests: SKIPPED on a GPU machine (no usable device?)" >>"$report"
  status=1
fi
step cpu-golden ctest --test-dir "$build" -R '^test_golden$' --output-on-failure

# Batch 1 on the full-size random model: the built-in short/medium/long inputs, then a
# two-sentence request for first-audio latency (its wall time is the time to the first audio).
cat >"$out/two_sentences.json" <<'JSON'
["ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ. ʃˈiz sˈɛlɪŋ sˈiʃˌɛlz bˈI ðə sˈiʃˌɔɹ."]
JSON
smi_log=$out/nvidia-smi-during-bench.csv
nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv -lms 200 >"$smi_log" 2>/dev/null &
smi=$!
trap 'kill "$smi" 2>/dev/null' EXIT
step bench-cuda "$kokoro" bench --device cuda --runs "$runs"
# then 8, 32 and 64 such requests at once (side by side on their own streams: the server does not
# batch requests into one forward yet, so this is the concurrency figure, not batching)
step bench-cuda-2sent "$kokoro" bench --device cuda --runs "$runs" --inputs "$out/two_sentences.json" \
  --concurrency 8,32,64
# TF32 tensor cores (opt-in, KOKORO_CUDA_TF32=1): their speed, and the goldens under them, for
# the decision whether they stay within tolerance (reported, not part of the pass/fail status).
KOKORO_CUDA_TF32=1 "$kokoro" bench --device cuda --runs "$runs" --inputs "$out/two_sentences.json" \
  --concurrency 8,32,64 >"$out/bench-cuda-tf32.log" 2>&1
KOKORO_CUDA_TF32=1 ctest --test-dir "$build" -L gpu --output-on-failure >"$out/gpu-tests-tf32.log" 2>&1
echo "- TF32 (informational): goldens $(grep -q 'tests passed, 0 tests failed' "$out/gpu-tests-tf32.log" && echo pass || echo FAIL)" >>"$report"
kill "$smi" 2>/dev/null
if ! grep -q '^backend: cuda' "$out/bench-cuda.log"; then
  echo "- bench-cuda: did NOT run on the CUDA backend (see its log)" >>"$report"
  status=1
fi
step bench-cpu-short "$kokoro" bench --device cpu --runs 1 --inputs "$out/two_sentences.json"

{
  echo
  echo "## kokoro bench --device cuda (batch 1, full-size random model, median of $runs)"
  echo '```'
  cat "$out/bench-cuda.log"
  echo '```'
  echo "Two sentences (wall_s = time to the whole, first, chunk's audio; then 8/32/64 concurrent"
  echo "requests, aggregate audio-seconds per second):"
  echo '```'
  cat "$out/bench-cuda-2sent.log"
  echo '```'
  echo "The same with KOKORO_CUDA_TF32=1:"
  echo '```'
  cat "$out/bench-cuda-tf32.log"
  echo '```'
  echo "Same input on the CPU backend of this build (one run):"
  echo '```'
  cat "$out/bench-cpu-short.log"
  echo '```'
  if [ -s "$smi_log" ]; then
    echo "GPU memory used at its peak during the benchmark: $(awk -F', ' 'NR > 1 {gsub(/ MiB/, "", $2); if ($2 + 0 > m) m = $2 + 0} END {print m " MiB"}' "$smi_log")"
  fi
  echo
  echo "## GPU tests"
  echo '```'
  grep -E "max\|err\||max wrapped|pred_dur|RMS|backend|device:|checks|Passed|Failed|Skipped|tests passed" \
    "$out/gpu-tests.log" | head -n 200
  echo '```'
  echo
  echo "total: $(( $(date +%s) - t_start )) s, status: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
} >>"$report"
cat "$report"
exit $status
