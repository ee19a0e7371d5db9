#!/usr/bin/env bash
# Mandarin (lang z) through `kokoro serve` with the fixture model: /dev/phonemize over
# g2p-zh's golden file and crash inputs, a zf_ voice in every format, captioned speech
# (tests/integration/lib/server_zh.py). The fixture's voice pack doubles as zf_test.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/server-zh.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS ALLOW_LOCAL_VOICE_SAVING
mkdir -p "$tmp/voices"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/tv_alpha.pt"
cp "$golden/voices/tv_alpha.pt" "$tmp/voices/zf_test.pt"
start_server zh --workers 2 --voices-dir "$tmp/voices"
python3 "$src/tests/integration/lib/server_zh.py" "$server_port" "$src/tests/fixtures" "$tmp"
stop_server

# the CLI: phonemize --lang z is misaki's string; say takes the language from a zf_ voice
out=$("$kokoro" phonemize --lang zh '你好，世界。')
[ "$out" = $'ni↓xau↓,\nʂɨ↘ʨje↘.' ] || { echo "FAIL: phonemize --lang zh gave '$out'"; exit 1; }
"$kokoro" say --model "$golden/kokoro-tiny.pth" --voice "$tmp/voices/zf_test.pt" --zero-noise \
    '春眠不觉晓，处处闻啼鸟。' -o "$tmp/z.wav"
"$kokoro" say --model "$golden/kokoro-tiny.pth" --voice "$tmp/voices/zf_test.pt" --lang a --zero-noise \
    '春眠不觉晓，处处闻啼鸟。' -o "$tmp/a.wav"
[ "$(stat -c %s "$tmp/z.wav")" -gt 4844 ] && ! cmp -s "$tmp/z.wav" "$tmp/a.wav" ||
    { echo "FAIL: kokoro say with a zf_ voice"; exit 1; }
echo ok
