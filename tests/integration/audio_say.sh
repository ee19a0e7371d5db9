#!/usr/bin/env bash
# kokoro say writes every audio format (chosen by -f or by the file's extension) through the
# library encoders: ffprobe sees the right codec, 24 kHz (opus: 48 kHz decoder rate) and one
# channel; wav, pcm and flac carry identical samples; mp3 (Info tag) and opus decode to exactly
# the synthesised length, aac to that plus its priming; bad choices fail before synthesis.
set -euo pipefail
kokoro=$1
G=$KOKORO_FIXTURES/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ph=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phonemes"])' "$G/cases/a_short/case.json")
n=11400 # samples of this case
say() { "$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --zero-noise "$@"; }

probe() { ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels \
              -of csv=p=0 "$@"; }
decode() { ffmpeg -nostdin -v error -y "$@" -f s16le -acodec pcm_s16le -ac 1 -ar 24000 -; }
samples() { echo $(( $(wc -c <"$1") / 2 )); }

for ext in wav pcm flac mp3 opus aac; do
    say -o "$tmp/a.$ext"
done
[ "$(probe "$tmp/a.wav")" = "pcm_s16le,24000,1" ]
[ "$(probe -f s16le -ar 24000 -ac 1 "$tmp/a.pcm")" = "pcm_s16le,24000,1" ]
[ "$(probe "$tmp/a.flac")" = "flac,24000,1" ]
[ "$(probe "$tmp/a.mp3")" = "mp3,24000,1" ]
[ "$(probe "$tmp/a.opus")" = "opus,48000,1" ]
[ "$(probe "$tmp/a.aac")" = "aac,24000,1" ]

# Lossless formats: the same int16 samples, and exact headers.
[ "$(stat -c %s "$tmp/a.wav")" -eq $((44 + 2 * n)) ]
[ "$(stat -c %s "$tmp/a.pcm")" -eq $((2 * n)) ]
tail -c +45 "$tmp/a.wav" | cmp - "$tmp/a.pcm"
decode -i "$tmp/a.flac" | cmp - "$tmp/a.pcm"
python3 - "$tmp/a.wav" "$n" <<'PY'
import sys, wave
w = wave.open(sys.argv[1])
assert (w.getnframes(), w.getframerate(), w.getnchannels(), w.getsampwidth()) == (int(sys.argv[2]), 24000, 1, 2)
PY

# Lossy formats: length exact where the container can say it, plus the 1024-sample priming for ADTS.
decode -i "$tmp/a.mp3" >"$tmp/mp3.s16"
decode -i "$tmp/a.opus" >"$tmp/opus.s16"
decode -i "$tmp/a.aac" >"$tmp/aac.s16"
[ "$(samples "$tmp/mp3.s16")" -eq $n ] || { echo "mp3 decodes to $(samples "$tmp/mp3.s16") samples"; exit 1; }
[ "$(samples "$tmp/opus.s16")" -eq $n ] || { echo "opus decodes to $(samples "$tmp/opus.s16") samples"; exit 1; }
a=$(samples "$tmp/aac.s16")
[ "$a" -ge $((n + 1024)) ] && [ "$a" -le $((n + 2048)) ] || { echo "aac decodes to $a samples"; exit 1; }

# -f wins over the extension, works without one, and '-' is wav on stdout.
say -f FLAC -o "$tmp/b.wav"
[ "$(head -c 4 "$tmp/b.wav")" = fLaC ]
say -f mp3 --bitrate 64 -o "$tmp/noext"
[ "$(probe "$tmp/noext")" = "mp3,24000,1" ]
[ "$(stat -c %s "$tmp/noext")" -lt "$(stat -c %s "$tmp/a.mp3")" ]
say -o - >"$tmp/stdout.wav"
cmp "$tmp/stdout.wav" "$tmp/a.wav"
say --compression 0 -o "$tmp/c0.flac"
decode -i "$tmp/c0.flac" | cmp - "$tmp/a.pcm"

# --volume scales before the int16 conversion; 0 is silence.
say --volume 0 -o "$tmp/quiet.pcm"
cmp "$tmp/quiet.pcm" <(head -c $((2 * n)) /dev/zero)

fail() { # expects failure with a one-line message matching $1
    local want=$1; shift
    set +e; msg=$(say "$@" 2>&1); rc=$?; set -e
    [ $rc -ne 0 ] || { echo "expected failure: $*"; exit 1; }
    [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "multi-line error: $msg"; exit 1; }
    grep -q -- "$want" <<<"$msg" || { echo "message '$msg' lacks '$want'"; exit 1; }
    echo "error ok: $msg"
}
fail "unknown audio format 'ogg'" -f ogg -o "$tmp/x.ogg"
fail "cannot tell the audio format" -o "$tmp/x.xyz"
fail "cannot tell the audio format" -o "$tmp/x"
fail "no 100 kbps" -f mp3 --bitrate 100 -o "$tmp/x.mp3"
fail "outside 8..144" --bitrate 400 -o "$tmp/x.aac"
fail "compression" --compression 9 -o "$tmp/x.flac"
fail "volume" --volume -2 -o "$tmp/x.wav"
fail "cannot write" -o "$tmp/no/such/dir/x.wav"
[ ! -e "$tmp/x.mp3" ] && [ ! -e "$tmp/x.aac" ]
echo ok
