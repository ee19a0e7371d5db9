#!/usr/bin/env bash
# kokoro say on the golden tiny model: WAV of the right length, every golden tensor dumped under
# its golden name, the injected-harmonics audio equal to the golden one (1e-4 x max), clear errors.
set -euo pipefail
kokoro=$1
G=$KOKORO_FIXTURES/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ph=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phonemes"])' "$G/cases/a_short/case.json")

"$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --zero-noise \
    --dump-dir "$tmp/dump" -o "$tmp/a.wav"
size=$(stat -c %s "$tmp/a.wav")
[ "$size" -eq $((44 + 2 * 11400)) ] || { echo "wav size $size"; exit 1; }
for f in "$G"/cases/a_short/*.npy; do
    [ -f "$tmp/dump/$(basename "$f")" ] || { echo "not dumped: $(basename "$f")"; exit 1; }
done

# --model-dir finds the one checkpoint; voices/ and config.json default to that folder
"$kokoro" say --model-dir "$G" --voice tv_alpha --phonemes "$ph" --zero-noise \
    --inject-har "$G/cases/a_short" --dump-dir "$tmp/inj" -o "$tmp/b.wav"
python3 - "$G/cases/a_short/audio.npy" "$tmp/inj/audio.npy" <<'PY'
import struct, sys
def rd(p):
    b = open(p, 'rb').read(); hl = b[8] | (b[9] << 8); d = b[10 + hl:]
    return struct.unpack('<%df' % (len(d) // 4), d)
g, m = rd(sys.argv[1]), rd(sys.argv[2])
assert len(g) == len(m), (len(g), len(m))
mx = max(abs(x) for x in g); err = max(abs(a - b) for a, b in zip(g, m))
print("injected-har audio: max|err| %.3g, %.2e x max|golden|" % (err, err / mx))
assert err <= 1e-4 * mx
PY

# --precision bf16 with the same injected harmonics: >= 30 dB SNR against float32 where the CPU has
# a bf16 kernel; KOKORO_GEMM_BF16=off forces the float32 fallback, which says so in one line and
# gives the float32 audio bit for bit (so on a CPU without bf16 both halves still run).
"$kokoro" say --model-dir "$G" --voice tv_alpha --phonemes "$ph" --zero-noise \
    --inject-har "$G/cases/a_short" --precision bf16 --dump-dir "$tmp/bf" -o "$tmp/bf.wav"
KOKORO_GEMM_BF16=off "$kokoro" say --model-dir "$G" --voice tv_alpha --phonemes "$ph" --zero-noise \
    --inject-har "$G/cases/a_short" --precision bf16 --dump-dir "$tmp/bfoff" -o "$tmp/bfoff.wav" \
    2>"$tmp/bfoff.err"
grep -q "bf16 unavailable" "$tmp/bfoff.err" || { echo "no fallback notice"; exit 1; }
python3 - "$tmp/inj/audio.npy" "$tmp/bf/audio.npy" "$tmp/bfoff/audio.npy" <<'PY'
import math, struct, sys
def rd(p):
    b = open(p, 'rb').read(); hl = b[8] | (b[9] << 8); d = b[10 + hl:]
    return struct.unpack('<%df' % (len(d) // 4), d)
f, b, off = rd(sys.argv[1]), rd(sys.argv[2]), rd(sys.argv[3])
assert len(f) == len(b) == len(off)
assert off == f, "bf16 fallback differs from float32"
n = sum((x - y) ** 2 for x, y in zip(f, b))
snr = 10 * math.log10(sum(x * x for x in f) / n) if n else math.inf
print("bf16 vs float32 audio: SNR %.1f dB" % snr)
assert snr >= 30, snr
PY
fail() { # expects failure with a one-line message matching $1
    local want=$1; shift
    set +e; msg=$("$kokoro" say "$@" 2>&1); rc=$?; set -e
    [ $rc -ne 0 ] || { echo "expected failure: $*"; exit 1; }
    [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "multi-line error: $msg"; exit 1; }
    grep -q -- "$want" <<<"$msg" || { echo "message '$msg' lacks '$want'"; exit 1; }
    echo "error ok: $msg"
}
long=$(python3 -c 'print("ə" * 511)')
fail "at most 510" --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$long" -o "$tmp/x.wav"
fail "voice" --model "$G/kokoro-tiny.pth" --voice no_such_voice --phonemes "$ph" -o "$tmp/x.wav"
fail "speed" --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --speed -1 -o "$tmp/x.wav"
fail "no-such" --model "$tmp/no-such.pth" --voice tv_alpha --phonemes "$ph" -o "$tmp/x.wav"
fail "required" --model "$G/kokoro-tiny.pth" --phonemes "$ph" -o "$tmp/x.wav"
fail "precision" --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --precision fp16 -o "$tmp/x.wav"
echo ok
