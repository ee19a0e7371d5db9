#!/usr/bin/env bash
# Starts `kokoro serve` on a free loopback port (default: the fixture model), runs server_load
# against it (8 clients, 1000 requests, first 8 x 50 reported separately) and stops the server.
# usage: bench/server_load.sh [BUILD_DIR] [--model-dir DIR] [--voice V] [extra serve flags...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}; shift || true
model_dir=$src/tests/fixtures/golden voice=tv_alpha
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --model-dir) model_dir=$2; shift 2 ;;
    --voice) voice=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
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
"$build/bench/server_load" --url "http://127.0.0.1:$port" --pid $pid --clients 8 --requests 1000 \
  --per-client-report 50 --voice "$voice"
