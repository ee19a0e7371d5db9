#!/usr/bin/env bash
# Starts `kokoro serve` on a free loopback port (default: the fixture model), runs server_load
# against it (8 clients, 1000 requests, first 8 x 50 reported separately) and stops the server.
#
# --full-size: the soak at full size. Writes (once, into BUILD_DIR/fullsize-model) a full-size
# Kokoro-82M checkpoint with random weights in the release layout (bench/load_bench --write) with
# its config.json and the real af_heart voice (from KOKORO_SHARED_DIR, default ../shared), serves
# it with IDLE_TIMEOUT_S=5, and runs 1,000 mixed requests from 8 clients (all six formats,
# streamed and not, captioned, every tenth stream cancelled mid-stream): nothing may be
# truncated, no 5xx but admission 503s, RSS within +5 % from request 100 to 1,000. It prints
# first-audio p50/p95 and the aggregate RTF. Takes hours on 2 cores: run it with nice.
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
  model_dir=$build/fullsize-model voice=af_heart
  shared=${KOKORO_SHARED_DIR:-$src/../shared}
  if [ ! -s "$model_dir/kokoro-v1_0.pth" ]; then
    mkdir -p "$model_dir/voices"
    "$build/bench/load_bench" --write "$model_dir/kokoro-v1_0.pth.tmp"
    mv "$model_dir/kokoro-v1_0.pth.tmp" "$model_dir/kokoro-v1_0.pth"
  fi
  # Kokoro-82M's config.json: the fixture's vocabulary with the full-size dimensions.
  python3 - "$src/tests/fixtures/golden/config.json" "$model_dir/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.update(dim_in=64, hidden_dim=512, max_conv_dim=512, n_layer=3, style_dim=128, max_dur=50, n_mels=80, n_token=178)
c["plbert"].update(hidden_size=768, num_attention_heads=12, intermediate_size=2048, max_position_embeddings=512,
                   num_hidden_layers=12)
c["istftnet"]["upsample_initial_channel"] = 512
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
  [ -s "$model_dir/voices/af_heart.bin" ] || cp "$shared/voices-v1.0/af_heart.bin" "$model_dir/voices/" ||
    { echo "server_load.sh: need the af_heart voice in $shared/voices-v1.0" >&2; exit 1; }
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
