#!/usr/bin/env bash
# Admission by work: the queue bound and Retry-After come from queued audio seconds and the
# measured synthesis rate (chunks slowed to 0.5 s so that the rate is steady on any machine). The
# limit, 60 s, sits well above the lone stream's own queued wait (about 20-30 s here, more on a
# loaded machine) and far below the long request's (over 200 s).
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-admission.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
KOKORO_TEST_CHUNK_DELAY_MS=500 start_server admission --workers 1 --max-queue 8 --max-queue-wait 60
python3 "$src/tests/integration/lib/server_admission.py" "$server_port" 60
stop_server
echo ok
