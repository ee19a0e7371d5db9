#!/usr/bin/env bash
# Re-measures where libespeak-ng reads freed or uninitialised memory (valgrind memcheck over
# tools/espeak_fault_probe.c, every voice Kokoro uses) and regenerates
# src/text/espeak/faults_data.c. Needs valgrind and libespeak-ng-dev; takes about half an hour
# on two cores. Run it again when the espeak-ng version changes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/espeak-faults}
mkdir -p "$work"
cc -std=c11 -O1 tools/espeak_fault_probe.c -o "$work/probe" $(pkg-config --cflags --libs espeak-ng)
# The blocks measured; anything outside them is never handed to espeak (see guard.h).
ranges="21 7E A0 52F 1E00 1FFF 2000 2BFF 3000 303F FF00 FFEF 1F000 1FAFF"
# One voice over hex ranges; when espeak crashes the probe (it smashes its stack on some code
# points), the code point is recorded as faulting everywhere and the probe resumes after it.
probe_ranges() {
  local v=$1 out=$2; shift 2
  local todo=("$@")
  : > "$out"
  while [ ${#todo[@]} -gt 0 ]; do
    valgrind -q --log-file=/dev/null "$work/probe" "$v" "${todo[@]}" >> "$out" 2>/dev/null || true
    tail -n 1 "$out" | grep -q '^END' && break
    last=$(grep '^AT ' "$out" | tail -n 1 | cut -d' ' -f2)
    [ -n "$last" ] || { echo "espeak_faults: probe for $v failed to start"; return 1; }
    for c in A B C D E; do echo "FAULT $last $c crash" >> "$out"; done
    next=$(printf '%X' $((16#$last + 1)))
    local rest=() i found=0
    for ((i = 0; i < ${#todo[@]}; i += 2)); do
      if ((found)); then
        rest+=("${todo[i]}" "${todo[i+1]}")
      elif ((16#$last >= 16#${todo[i]} && 16#$last <= 16#${todo[i+1]})); then
        found=1
        ((16#$next <= 16#${todo[i+1]})) && rest+=("$next" "${todo[i+1]}")
      fi
    done
    todo=("${rest[@]}")
  done
}
measure() {
  for v in "$@"; do
    extra=""
    [ "$v" = hi ] && extra="900 DFF"
    probe_ranges "$v" "$work/cp.$v" $ranges $extra
    valgrind -q --log-file=/dev/null "$work/probe" "$v" runs > "$work/runs.$v"
    grep -q '^END' "$work/runs.$v"
  done
}
measure en-us en-gb es fr-fr &
measure hi it pt-br &
wait %1 && wait %2
python3 scripts/gen_espeak_faults.py "$work" "$ranges" src/text/espeak/faults_data.c
