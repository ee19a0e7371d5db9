#!/usr/bin/env bash
# ctest-label: slow
# The web player end to end: real headless Chromium (Debian `chromium`, driven by playwright-core
# from npm, pinned by tests/web/package-lock.json) against `kokoro serve` on the fixture model.
# Screenshots and downloaded files land in <build>/web-e2e/.
set -euo pipefail
kokoro=$1 build=$2 src=$3
fx=${KOKORO_FIXTURES:-$src/tests/fixtures}/golden
out=$build/web-e2e
deps=$build/web-e2e-deps
chromium=${CHROMIUM:-/usr/bin/chromium}
fail() { echo "FAIL: $*"; exit 1; }

for tool in node npm curl python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (packaging/build-packages.txt lists what to install)"
done
[ -x "$chromium" ] || fail "$chromium not found: install the Debian package chromium"

rm -rf "$out"
mkdir -p "$out" "$deps"
# The test-only dependency lives in the build dir; reinstalled only when the lock file changes.
if ! cmp -s "$src/tests/web/package-lock.json" "$deps/package-lock.json" ||
   [ ! -f "$deps/node_modules/playwright-core/package.json" ]; then
  cp "$src/tests/web/package.json" "$src/tests/web/package-lock.json" "$deps/"
  (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci of tests/web failed"
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server LOGNAME [ENV=VALUE...]: starts `kokoro serve` on a free loopback port and sets
# $port. Runs in this shell (not a subshell) so that the EXIT trap knows every server's pid.
start_server() {
  local log=$out/$1.log; shift
  local pid
  for _ in 1 2 3; do
    port=$(free_port)
    env "$@" "$kokoro" serve --host 127.0.0.1 --port "$port" --workers 2 \
      --model "$fx/kokoro-tiny.pth" --voices-dir "$fx/voices" >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 300); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/web/"; then return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  echo "server did not start; log:"
  cat "$log"
  return 1
}

start_server server || fail "kokoro serve did not start"
base_port=$port
key="web-e2e-$RANDOM$RANDOM"
start_server server-keyed "API_KEYS=$key" || fail "kokoro serve with API_KEYS did not start"
kport=$port

# Without a key the page itself still loads: it has to be able to ask for one.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$kport/web/")
[ "$code" = 200 ] || fail "/web/ answers $code when API keys are on"

KOKORO_WEB_DEPS=$deps CHROMIUM=$chromium timeout 300 \
  node "$src/tests/web/e2e.mjs" "http://127.0.0.1:$base_port" "$out" "http://127.0.0.1:$kport" "$key"
echo "screenshots: $(cd "$out" && ls ./*.png | tr '\n' ' ')"
