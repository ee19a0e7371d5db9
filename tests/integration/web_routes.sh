#!/usr/bin/env bash
# The /web routes of `kokoro serve` over real HTTP (curl): redirect, embedded files byte for byte,
# content types and headers, config.json, 404s for anything else, open while API keys are on.
set -euo pipefail
kokoro=$1 build=$2 src=$3
fx=${KOKORO_FIXTURES:-$src/tests/fixtures}/golden
tmp=$(mktemp -d "$build/web-routes.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

key="k$RANDOM$RANDOM"
for _ in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  API_KEYS=$key "$kokoro" serve --host 127.0.0.1 --port "$port" --workers 1 --max-input 1234 \
    --model "$fx/kokoro-tiny.pth" --voices-dir "$fx/voices" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
done
[ -n "$pid" ] || { echo "FAIL: kokoro serve did not start"; cat "$tmp/server.log"; exit 1; }
base=http://127.0.0.1:$port

# get PATH: body to $tmp/body, headers to $tmp/head, prints the status code.
get() { curl -s -D "$tmp/head" -o "$tmp/body" -w '%{http_code}' "$@"; }
header() { tr -d '\r' <"$tmp/head" | awk -v h="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1)==h {print $2}'; }

check "/web redirects to /web/" '[ "$(get "$base/web")" = 308 ] && [ "$(header Location)" = /web/ ]'
check "/web/ is the page" '[ "$(get "$base/web/")" = 200 ] && cmp -s "$tmp/body" "$src/web/index.html"'
check "/web/ is HTML, not cached stale" \
  '[ "$(header Content-Type)" = "text/html; charset=utf-8" ] && [ "$(header Cache-Control)" = no-cache ]'
check "/web/ limits the page to its own origin" \
  'header Content-Security-Policy | grep -q "connect-src '"'self'"'" && [ "$(header X-Content-Type-Options)" = nosniff ]'
for f in index.html app.css app.js; do
  check "/web/$f is served byte for byte" '[ "$(get "$base/web/$f")" = 200 ] && cmp -s "$tmp/body" "$src/web/$f"'
done
check "app.js is JavaScript" '[ "$(get "$base/web/app.js")" = 200 ] && [ "$(header Content-Type)" = "text/javascript; charset=utf-8" ]'
check "app.css is CSS" '[ "$(get "$base/web/app.css")" = 200 ] && [ "$(header Content-Type)" = "text/css; charset=utf-8" ]'
check "HEAD /web/ answers with no body" \
  '[ "$(curl -s -I -o /dev/null -w "%{http_code}" "$base/web/")" = 200 ]'
check "config.json carries the input limit and the key requirement" \
  '[ "$(get "$base/web/config.json")" = 200 ] && python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j[\"max_input_chars\"]==1234 and j[\"api_keys\"] is True and j[\"version\"] else 1)" "$tmp/body"'
check "config.json does not reveal the key" '! grep -q "$key" "$tmp/body"'
for bad in /web/nope.js /web/../CMakeLists.txt /web/%2e%2e/CMakeLists.txt /web//etc/passwd /web/app.js/ /webx; do
  check "$bad is 404 with a JSON error" \
    '[ "$(get --path-as-is "$base$bad")" = 404 ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))[\"error\"][\"message\"]" "$tmp/body"'
done
check "POST /web/ is refused" '[ "$(get -X POST "$base/web/")" = 405 ]'
check "the page is open while the API is keyed" \
  '[ "$(get "$base/web/")" = 200 ] && [ "$(get "$base/v1/audio/voices")" = 401 ]'
check "with the key the API answers" \
  '[ "$(get -H "Authorization: Bearer $key" "$base/v1/audio/voices")" = 200 ]'

echo "$failures failures"
[ "$failures" -eq 0 ]
