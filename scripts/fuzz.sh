#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for SECONDS (default 20).
# Seeds come from fuzz/corpus/<target>/ when present; findings fail the run.
# --build-only: just the clang build (make check uses it to catch clang-only diagnostics).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build/fuzz
CC=clang cmake -S . -B $build -DCMAKE_BUILD_TYPE=Debug -DKOKORO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
# Only the diagnostics on failure, not the whole build log.
if ! out=$(cmake --build $build -j "$(nproc)" 2>&1); then
  grep -E 'error|warning' <<<"$out" | head -n 20 || true
  echo "fuzz: the clang build failed"
  exit 1
fi
[ "$seconds" = --build-only ] && exit 0
shopt -s nullglob
targets=(fuzz/fuzz_*.c)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets"; exit 0; }
for src in "${targets[@]}"; do
  name=$(basename "$src" .c)
  work=$build/corpus/$name
  mkdir -p "$work"
  seeds=()
  [ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  log=$build/$name.log
  if ! LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0" \
      "$build/$name" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/$name-" -print_final_stats=1 "$work" "${seeds[@]}" >"$log" 2>&1; then
    grep -E -A12 '^==[0-9]+==ERROR|^SUMMARY|runtime error|deadly signal|timeout' "$log" | head -n 40 || tail -n 20 "$log"
    echo "fuzz: $name found a problem (log $log, inputs $build/$name-*)"
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$log" | tail -n 1
done
echo "fuzz: all targets clean"
