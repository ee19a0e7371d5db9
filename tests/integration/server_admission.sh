#!/usr/bin/env bash
# Admission by work: the queue bound and Retry-After come from queued audio seconds and the
# measured synthesis rate (chunks slowed to 0.5 s so that the rate is steady on any machine).
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-admission.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
KOKORO_TEST_CHUNK_DELAY_MS=500 start_server admission --workers 1 --max-queue 8 --max-queue-wait 20
python3 "$src/tests/integration/lib/server_admission.py" "$server_port" 20
stop_server
echo ok
