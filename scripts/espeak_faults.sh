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
measure() {
  for v in "$@"; do
    extra=""
    [ "$v" = hi ] && extra="900 DFF"
    valgrind -q --log-file=/dev/null "$work/probe" "$v" $ranges $extra > "$work/cp.$v"
    valgrind -q --log-file=/dev/null "$work/probe" "$v" runs > "$work/runs.$v"
    grep -q '^END' "$work/cp.$v" && grep -q '^END' "$work/runs.$v"
  done
}
measure en-us en-gb es fr-fr &
measure hi it pt-br &
wait %1 && wait %2
python3 scripts/gen_espeak_faults.py "$work" "$ranges" src/text/espeak/faults_data.c
