#!/usr/bin/env bash
# Starts `kokoro serve` on a free loopback port (default: the fixture model), runs server_load
# against it (8 clients, 1000 requests, first 8 x 50 reported separately) and stops the server.
#
# --full-size: the soak at full size. Writes (once, into BUILD_DIR/fullsize-model) a full-size
# Kokoro-82M checkpoint with random weights in the release layout (bench/load_bench --write) with
# its config.json and the real af_heart voice (from KOKORO_SHARED_DIR, default ../shared), serves
# it with IDLE_TIMEOUT_S=5, and runs 1,000 mixed requests from 8 clients (all six formats,
# streamed and not, captioned, one, two or many sentences, every tenth stream cancelled
# mid-stream): nothing may be truncated, no 5xx but admission 503s, RSS within +5 % from request
# 100 to 1,000. It prints first-audio p50/p95 and the aggregate RTF. About 6,000 audio seconds
# in all: ~25 minutes on 2 quiet cores.
#
# usage: bench/server_load.sh [BUILD_DIR] [--full-size] [--requests N] [--model-dir DIR]
#                             [--voice V] [extra serve flags...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}; shift || true
model_dir=$src/tests/fixtures/golden voice=tv_alpha full=0 requests=1000
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --model-dir) model_dir=$2; shift 2 ;;
    --voice) voice=$2; shift 2 ;;
    --full-size) full=1; shift ;;
    --requests) requests=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
load_args=()
if [ $full = 1 ]; then
  model_dir=$("$src/bench/fullsize_model.sh" "$build") voice=af_heart
  export IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S:-5}
  load_args+=(--mixed)
fi
log=$(mktemp)
ACCESS_LOG=false TEMP_FILE_DIR=$(mktemp -d) "$build/kokoro" serve --host 127.0.0.1 --port 0 --model-dir "$model_dir" \
  "${args[@]}" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
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
"$build/bench/server_load" --url "http://127.0.0.1:$port" --pid $pid --clients 8 --requests "$requests" \
  --per-client-report 50 --voice "$voice" "${load_args[@]}" || rc=$?
if grep -q 'stream cut' "$log"; then grep 'stream cut' "$log"; rc=1; fi
exit $rc
