#!/usr/bin/env bash
# Japanese through `kokoro serve` on the fixture model (tests/integration/lib/server_ja.py):
# /dev/phonemize against misaki's golden file, /v1/audio/speech with a jf_ voice in all six
# formats and with lang_code j, /dev/captioned_speech word timestamps.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-ja.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS ALLOW_LOCAL_VOICE_SAVING
# A Japanese-named voice (the fixture's tv_alpha style vector) so that the language comes from
# the voice's first letter, as for jf_alpha.
mkdir -p "$tmp/voices"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/tv_alpha.pt"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/jf_test.pt"
start_server ja --workers 2 --voices-dir "$tmp/voices"
python3 "$src/tests/integration/lib/server_ja.py" "$server_port" "$src/tests/fixtures/ja/golden.tsv" "$tmp"
stop_server
# Without the dictionary, Japanese requests get a clear 400 and the other languages still work.
phon() { curl -s -o "$tmp/r.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"text\":\"$1\",\"language\":\"$2\"}" "http://127.0.0.1:$server_port/dev/phonemize"; }
KOKORO_JA_DICT=/nonexistent/kokoro-no-dictionary start_server nodict --workers 1 --voices-dir "$tmp/voices"
code=$(phon 東京 j)
[ "$code" = 400 ] && grep -q 'MeCab dictionary' "$tmp/r.json" || { echo "FAIL: no dictionary -> $code $(cat "$tmp/r.json")"; exit 1; }
code=$(phon Tokyo a)
[ "$code" = 200 ] || { echo "FAIL: English without the Japanese dictionary -> $code"; exit 1; }
stop_server
echo ok
