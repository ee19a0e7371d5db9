#!/usr/bin/env bash
# kokoro say TEXT on the golden tiny model: text → chunks → synthesis end to end, pause tags as
# silence, stdin input, the language from --lang or the voice's first letter, clear errors.
set -euo pipefail
kokoro=$1
G=$KOKORO_FIXTURES/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
samples() { echo $(( ($(stat -c %s "$1") - 44) / 2 )); }

"$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --lang a --zero-noise \
    "Hello world. How are you today?" -o "$tmp/a.wav"
a=$(samples "$tmp/a.wav")
[ "$a" -gt 2400 ] || { echo "speech too short: $a samples"; exit 1; }

# a 1.5 s pause tag adds at least 1.5 s of audio
"$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --lang a --zero-noise \
    "Hello world. [pause:1.5s] How are you today?" -o "$tmp/b.wav"
b=$(samples "$tmp/b.wav")
[ "$b" -ge $((a + 36000)) ] || { echo "pause missing: $a vs $b samples"; exit 1; }

# stdin, British English, a text that needs several chunks
python3 -c 'print("The quick brown fox jumps over the lazy dog, again and again. " * 40)' |
    "$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --lang b --zero-noise - -o "$tmp/c.wav"
c=$(samples "$tmp/c.wav")
[ "$c" -gt "$a" ] || { echo "long text too short: $c samples"; exit 1; }
echo "say text: $a, $b, $c samples"

fail() { # expects failure with a one-line message matching $1
    local want=$1; shift
    set +e; msg=$("$kokoro" say "$@" 2>&1); rc=$?; set -e
    [ $rc -ne 0 ] || { echo "expected failure: $*"; exit 1; }
    [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "multi-line error: $msg"; exit 1; }
    grep -q -- "$want" <<<"$msg" || { echo "message '$msg' lacks '$want'"; exit 1; }
    echo "error ok: $msg"
}
# Japanese (misaki's cutlet path over MeCab)
"$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --lang j --zero-noise "こんにちは。東京は晴れです。" -o "$tmp/j.wav"
j=$(samples "$tmp/j.wav")
[ "$j" -gt 2400 ] || { echo "Japanese speech too short: $j samples"; exit 1; }
# ... and from a jf_ voice's first letter (the fixture voice under a Japanese name)
mkdir -p "$tmp/m/voices"
cp "$G/config.json" "$G/kokoro-tiny.pth" "$tmp/m/"
cp "$G/voices/tv_alpha.pt" "$tmp/m/voices/jf_test.pt"
"$kokoro" say --model-dir "$tmp/m" --voice jf_test --zero-noise "こんにちは。東京は晴れです。" -o "$tmp/j2.wav"
[ "$(samples "$tmp/j2.wav")" -eq "$j" ] || { echo "jf_ voice: $(samples "$tmp/j2.wav") samples, --lang j: $j"; exit 1; }
# the language defaults to the voice's first letter: 't' is none
fail "unknown language 't'" --model "$G/kokoro-tiny.pth" --voice tv_alpha "Hello" -o "$tmp/x.wav"
fail "either TEXT or --phonemes" --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "ə" "Hello" -o "$tmp/x.wav"
echo ok
