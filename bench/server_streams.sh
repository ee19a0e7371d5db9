#!/usr/bin/env bash
# The issue-11 check at full size: a full-size model (bench/fullsize_model.sh) served with
# IDLE_TIMEOUT_S=5 (by default); two streamed 2-sentence requests alone (three times each: median
# first audio; one opens with a short clause, one with a long one), then a 3-sentence one alone,
# then N (default 6) of it at once. Every stream must
# complete with the lone request's length; prints worst first audio and aggregate throughput
# relative to alone.
# usage: bench/server_streams.sh [BUILD_DIR] [N] [extra serve flags...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}; shift || true
n=${1:-6}; shift || true
model_dir=$("$src/bench/fullsize_model.sh" "$build")
text=$(mktemp)
text2=$(mktemp)
text3=$(mktemp)
log=$(mktemp)
echo "Hello there, my friend. How are you doing today?" >"$text2"
echo "The old lighthouse keeper climbed the spiral stairs every evening. He trimmed the wick and polished the lens." >"$text3"
echo "The old lighthouse keeper climbed the spiral stairs every evening. He trimmed the wick and polished the lens. Ships passed far beyond the rocks." >"$text"
IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S:-5} ACCESS_LOG=false TEMP_FILE_DIR=$(mktemp -d) "$build/kokoro" serve --host 127.0.0.1 \
  --port 0 --model-dir "$model_dir" "$@" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log" "$text" "$text2" "$text3"' EXIT
port=
for _ in $(seq 600); do
  port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -n1)
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; exit 1; }
head -n1 "$log"
rc=0
python3 "$src/bench/server_streams.py" "$port" 0 af_heart "$text2" || rc=$?
python3 "$src/bench/server_streams.py" "$port" 0 af_heart "$text3" || rc=$?
python3 "$src/bench/server_streams.py" "$port" "$n" af_heart "$text" || rc=$?
if grep -q 'stream cut' "$log"; then grep 'stream cut' "$log"; rc=1; fi
exit $rc
