#!/usr/bin/env bash
# Kokoro-FastAPI v0.8 parity of `kokoro serve` on the fixture model: voice tags, rates, aliases,
# SSML, /dev/dialogue, return_timing, seeds and SSE framing (tests/integration/lib/server_parity.py),
# plus a second server with ENABLE_VOICE_TAGS and ENABLE_SSML off for the 403s.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-parity.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
off_pid=
trap 'kill_server_quietly; [ -z "$off_pid" ] || kill "$off_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS
ENABLE_VOICE_TAGS=false ENABLE_SSML=false start_server off --workers 1
off_pid=$server_pid off_port=$server_port off_log=$server_log
server_pid=
# The fixture voices, plus copies named like American and British voices for per-segment languages.
mkdir -p "$tmp/voices"
cp "$golden/voices/tv_alpha.pt" "$golden/voices/tv_beta.pt" "$tmp/voices/"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/af_test.pt"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/bf_test.pt"
VOICES_DIR=$tmp/voices start_server parity --workers 2
python3 "$src/tests/integration/lib/server_parity.py" "$server_port" "$off_port"
stop_server
server_pid=$off_pid off_pid=
stop_server
echo ok
