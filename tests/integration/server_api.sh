#!/usr/bin/env bash
# `kokoro serve` with the fixture model: every route, header, JSON shape and error path
# (tests/integration/lib/server_api.py), then a clean SIGTERM shutdown.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-api.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS ALLOW_LOCAL_VOICE_SAVING
start_server api --workers 2 --max-body 65536 --max-input 2000
python3 "$src/tests/integration/lib/server_api.py" "$server_port" "$golden/voices" "$tmp"
grep -q 'access: 127.0.0.1 "POST /v1/audio/speech" 200' "$server_log" || { echo "FAIL: no access log line"; exit 1; }
stop_server
grep -q 'stopped' "$server_log"
echo ok
