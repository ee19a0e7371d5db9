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
echo ok
