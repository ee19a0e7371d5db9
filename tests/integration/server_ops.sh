#!/usr/bin/env bash
# `kokoro serve` operations: API keys, CORS origins, voice combining (.pt round trip), the bounded
# queue (503 + Retry-After), cancellation on disconnect, round-robin fairness, startup failures,
# request deadlines (before the first byte only) and graceful shutdown.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-ops.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Startup failures: one line, exit code 1 (missing model) or 2 (bad flag); the port never opens.
set +e
msg=$("$kokoro" serve --model "$tmp/none.pth" --host 127.0.0.1 --port 0 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "missing model: rc=$rc msg=$msg"
mkdir -p "$tmp/broken"; echo "not a checkpoint" >"$tmp/broken/kokoro-v1_0.pth"; cp "$golden/config.json" "$tmp/broken/"
set +e
msg=$("$kokoro" serve --model-dir "$tmp/broken" --host 127.0.0.1 --port 0 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "broken model: rc=$rc msg=$msg"
set +e
msg=$("$kokoro" serve --frobnicate 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "bad flag: rc=$rc msg=$msg"
"$kokoro" serve --help | grep -q 'usage: kokoro serve'
set +e
msg=$(KOKORO_PRECISION=fp8 "$kokoro" serve --model-dir "$golden" --host 127.0.0.1 --port 0 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "bad KOKORO_PRECISION: rc=$rc msg=$msg"

# KOKORO_PRECISION=bf16 synthesises (in bf16, or in float32 with a notice at start where no bf16
# kernel runs, as KOKORO_GEMM_BF16=off forces)
for gemm in "" off; do
  KOKORO_PRECISION=bf16 KOKORO_GEMM_BF16=$gemm start_server "bf16$gemm" --workers 1
  code=$(curl -s -o "$tmp/bf16.pcm" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"input":"Hello world.","voice":"tv_alpha","response_format":"pcm"}' \
    "http://127.0.0.1:$server_port/v1/audio/speech")
  [ "$code" = 200 ] && [ "$(stat -c %s "$tmp/bf16.pcm")" -gt 1000 ] || fail "bf16 speech: $code"
  [ "$gemm" != off ] || grep -q 'KOKORO_PRECISION=bf16 but no bf16 kernel' "$server_log" ||
    fail "no float32 fallback notice"
  stop_server
done

# Keys, CORS, combine.
cp -r "$golden/voices" "$tmp/voices"
API_KEYS="key-one, key-two" CORS_ORIGINS="http://good.example" ALLOW_LOCAL_VOICE_SAVING=true \
  start_server ops --voices-dir "$tmp/voices" --workers 2
python3 "$src/tests/integration/lib/server_ops.py" "$server_port" "$tmp/voices"
stop_server

# One worker, one slot.
start_server busy --workers 1 --max-queue 1
python3 "$src/tests/integration/lib/server_load_paths.py" "$server_port"
stop_server

# Round-robin: a short request is not stuck behind a long one on the only worker.
start_server fair --workers 1 --max-queue 8
python3 "$src/tests/integration/lib/server_fair.py" "$server_port"
stop_server

# Request deadline: a long non-streamed request that cannot finish in time gets 503 "timeout".
start_server deadline --workers 1 --request-timeout 1
long=$(python3 -c 'print(" ".join("Sentence %d is here." % i for i in range(300)))')
code=$(curl -s -o "$tmp/deadline.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"input\":\"$long\",\"voice\":\"tv_alpha\",\"response_format\":\"pcm\",\"stream\":false}" \
  "http://127.0.0.1:$server_port/v1/audio/speech")
[ "$code" = 503 ] && grep -q '"code":"timeout"' "$tmp/deadline.json" || fail "deadline: $code $(cat "$tmp/deadline.json")"
curl -sf "http://127.0.0.1:$server_port/health" >/dev/null || fail "unhealthy after a timeout"
stop_server

# A stream whose first audio cannot exist before the deadline gets 503 "timeout" before any byte
# (chunks slowed to 1.5 s); a stream whose audio flows is not cut by the deadline.
KOKORO_TEST_CHUNK_DELAY_MS=1500 start_server deadline2 --workers 1 --request-timeout 1
code=$(curl -s -o "$tmp/deadline2.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"input":"One. Two.","voice":"tv_alpha","response_format":"pcm","stream":true}' \
  "http://127.0.0.1:$server_port/v1/audio/speech")
[ "$code" = 503 ] && grep -q '"code":"timeout"' "$tmp/deadline2.json" || fail "stream deadline: $code $(cat "$tmp/deadline2.json")"
stop_server
KOKORO_TEST_CHUNK_DELAY_MS=400 start_server deadline3 --workers 1 --request-timeout 3
two=$(python3 -c 'print(" ".join("Sentence %d is here with a few more words to say." % i for i in range(60)))')
out=$(curl -s -o "$tmp/flowing.pcm" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
  -d "{\"input\":\"$two\",\"voice\":\"tv_alpha\",\"response_format\":\"pcm\",\"stream\":true}" \
  "http://127.0.0.1:$server_port/v1/audio/speech") || fail "flowing stream cut (curl $?)"
[ "${out% *}" = 200 ] && [ -s "$tmp/flowing.pcm" ] || fail "flowing stream: $out"
python3 -c "import sys; sys.exit(0 if float('${out#* }') > 3 else 1)" || fail "the flowing stream ended before the deadline ($out)"
stop_server

# SIGTERM while a stream is open: the server ends it within the shutdown deadline and exits 0.
SHUTDOWN_TIMEOUT_S=1 start_server term --workers 1
long=$(python3 -c 'print(" ".join("Sentence %d is here." % i for i in range(200)))')
curl -s -N -o "$tmp/partial.pcm" -H 'Content-Type: application/json' \
  -d "{\"input\":\"$long\",\"voice\":\"tv_alpha\",\"response_format\":\"pcm\"}" \
  "http://127.0.0.1:$server_port/v1/audio/speech" &
curl_pid=$!
for _ in $(seq 100); do [ -s "$tmp/partial.pcm" ] && break; sleep 0.05; done
[ -s "$tmp/partial.pcm" ] || fail "stream did not start"
t0=$(date +%s%N)
stop_server
t1=$(date +%s%N)
curl_rc=0
wait "$curl_pid" || curl_rc=$?
[ $(( (t1 - t0) / 1000000 )) -lt 5000 ] || fail "shutdown took $(( (t1 - t0) / 1000000 )) ms"
grep -q 'SIGTERM received' "$server_log" || fail "no shutdown message"
# Cut at the drain deadline: the client can tell (curl: transfer closed with data outstanding, 18)
# and the server says so.
[ "$curl_rc" = 18 ] || fail "a cut stream looked complete to the client (curl exit $curl_rc)"
grep -q 'stream cut after .*: shutdown' "$server_log" || fail "no log line for the cut stream"
echo ok
