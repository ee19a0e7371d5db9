#!/usr/bin/env bash
# ctest-label: slow
# The official OpenAI Node SDK (npm `openai`, pinned by tests/openai_sdk/package-lock.json) streams
# stream_format "sse" from `kokoro serve` on the fixture model (tests/openai_sdk/sse.mjs).
# Labelled slow only because the first run installs the SDK with npm; the test itself takes seconds.
set -euo pipefail
kokoro=$1 build=$2 src=$3
deps=$build/openai-sdk-deps
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (packaging/build-packages.txt lists what to install)"; exit 1; }
done
mkdir -p "$deps"
if ! cmp -s "$src/tests/openai_sdk/package-lock.json" "$deps/package-lock.json" ||
   [ ! -f "$deps/node_modules/openai/package.json" ]; then
  cp "$src/tests/openai_sdk/package.json" "$src/tests/openai_sdk/package-lock.json" "$deps/"
  (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL: npm ci of tests/openai_sdk failed"; exit 1; }
fi
cp "$src/tests/openai_sdk/sse.mjs" "$deps/"
tmp=$(mktemp -d "$build/openai-sdk.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS
start_server sdk --workers 2
(cd "$deps" && node sse.mjs "$server_port")
stop_server
echo ok
