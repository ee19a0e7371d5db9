#!/usr/bin/env bash
# The CLI answers --version with the build facts, and rejects unknown commands with one line.
set -euo pipefail
kokoro=$1
out=$("$kokoro" --version)
echo "$out"
grep -q '^kokoro [0-9]' <<<"$out"
grep -q '^build: Release' <<<"$out"
grep -q '^blas: OpenBLAS' <<<"$out"
grep -q '^backend: cpu$' <<<"$out"
"$kokoro" help say | grep -q 'usage: kokoro say'
set +e
msg=$("$kokoro" frobnicate 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "unknown command: rc=$rc msg=$msg"; exit 1; }
echo "ok"
