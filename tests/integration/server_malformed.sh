#!/usr/bin/env bash
# More than 200 malformed requests (bad JSON, wrong types, huge bodies, unknown voices, bad mix
# syntax, path traversal, invalid UTF-8, broken HTTP, slow clients): each gets a 4xx, and the
# server is still healthy and synthesising afterwards.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-malformed.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS ALLOW_LOCAL_VOICE_SAVING
BODY_TIMEOUT_S=2 IDLE_TIMEOUT_S=3 ACCESS_LOG=false start_server malformed --workers 2 --max-body 100000 --max-input 2000
python3 "$src/tests/integration/lib/server_malformed.py" "$server_port"
stop_server
echo ok
