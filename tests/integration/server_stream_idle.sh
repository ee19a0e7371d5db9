#!/usr/bin/env bash
# No stream is cut while its audio is being made: 6 streams at once (all six formats) on 2 workers
# whose chunks take 0.7 s, so each client waits > IDLE_TIMEOUT_S=1 between two chunks; every stream
# completes with the same bytes as alone. The short version of bench/server_load.sh's full-size run.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-idle.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
IDLE_TIMEOUT_S=1 KOKORO_TEST_CHUNK_DELAY_MS=700 start_server idle --workers 2
python3 "$src/tests/integration/lib/server_stream_idle.py" "$server_port" 6 1
stop_server
if grep -q 'cut' "$server_log"; then grep 'cut' "$server_log"; echo "FAIL: a stream was cut"; exit 1; fi
echo ok
