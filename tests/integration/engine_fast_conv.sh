#!/usr/bin/env bash
# Fast convolutions (FFT for k = 7/11, Winograd for k = 3, the decoder's k = 3 layers included)
# against direct convolution on the
# full-size random-weight model: every intermediate `kokoro say --dump-dir` writes, and the audio,
# within 1e-4 x its max |value|, with float32 stage buffers and with compact (packed) ones, where
# the middle resblock of the last stage recomputes its conv1 in tiles (another Winograd entry).
# Same text, voice, seed and zero noise on both sides, so the harmonic source is the same. Then
# the fast path's audio from one thread must equal that from two, bit for bit.
set -euo pipefail
kokoro=$1 build=$2 src=$3
shared=${KOKORO_SHARED_DIR:-$src/../shared}
[ -s "$shared/voices-v1.0/af_heart.bin" ] || { echo "skip: no af_heart voice in $shared"; exit 77; }
[ -x "$build/bench/load_bench" ] || { echo "skip: no bench/load_bench in $build"; exit 77; }
model=$(KOKORO_SHARED_DIR=$shared bash "$src/bench/fullsize_model.sh" "$build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ph="ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ."
for compact in off on; do
    for conv in fast direct; do
        "$kokoro" say --model-dir "$model" --voice af_heart --phonemes "$ph" --zero-noise --seed 7 \
            --threads 2 --compact $compact --conv $conv --dump-dir "$tmp/$compact-$conv" \
            -o "$tmp/$compact-$conv.wav"
    done
    python3 - "$tmp/$compact-fast" "$tmp/$compact-direct" "$compact" <<'PY'
import ast, os, struct, sys
def rd(p):
    b = open(p, 'rb').read(); hl = b[8] | (b[9] << 8); d = b[10 + hl:]
    code = {'<f4': 'f', '<i8': 'q', '<i4': 'i'}[ast.literal_eval(b[10:10 + hl].decode())['descr']]
    return struct.unpack('<%d%s' % (len(d) // struct.calcsize(code), code), d)
fast, direct, compact = sys.argv[1:]
names = sorted(n for n in os.listdir(direct) if n.endswith('.npy'))
assert 'audio.npy' in names and 'dbg_gen_conv_post.npy' in names, names
assert sorted(n for n in os.listdir(fast) if n.endswith('.npy')) == names
worst = 0.0
for n in names:
    a, b = rd(os.path.join(fast, n)), rd(os.path.join(direct, n))
    assert len(a) == len(b), (n, len(a), len(b))
    mx = max(abs(x) for x in b); err = max(abs(x - y) for x, y in zip(a, b))
    rel = err / mx if mx > 0 else err
    worst = max(worst, rel)
    print("%s %s: %.2e x max" % (compact, n, rel))
    assert rel <= 1e-4, "%s (compact %s): max|fast - direct| = %.3g x max" % (n, compact, rel)
print("compact %s: %d tensors, worst %.2e x max" % (compact, len(names), worst))
PY
done
# The decoder's k = 3 layers take Winograd from 256 frames on: a longer text, the whole run held
# to the same bound (F0 stays bit for bit the same, so the harmonic source is too).
long="$ph ænd ðə fˈIv bˈɑksɪŋ wˈɪzəɹdz ʤˈʌmp kwˈɪkli ˈOvəɹ ðə lˈAzi dˈɔɡ."
for conv in fast direct; do
    "$kokoro" say --model-dir "$model" --voice af_heart --phonemes "$long" --zero-noise --seed 7 \
        --threads 2 --compact off --conv $conv --dump-dir "$tmp/long-$conv" -o "$tmp/long-$conv.wav"
done
python3 - "$tmp/long-fast" "$tmp/long-direct" <<'PY'
import ast, os, struct, sys
def rd(p):
    b = open(p, 'rb').read(); hl = b[8] | (b[9] << 8); d = b[10 + hl:]
    code = {'<f4': 'f', '<i8': 'q', '<i4': 'i'}[ast.literal_eval(b[10:10 + hl].decode())['descr']]
    return struct.unpack('<%d%s' % (len(d) // struct.calcsize(code), code), d)
fast, direct = sys.argv[1:]
names = sorted(n for n in os.listdir(direct) if n.endswith('.npy'))
assert 'dbg_dec_decode3.npy' in names and 'F0_pred.npy' in names, names
frames = len(rd(os.path.join(direct, 'dbg_dec_asr_res.npy'))) // 64
assert frames >= 256, "the long text gave only %d frames" % frames
for n in names:
    a, b = rd(os.path.join(fast, n)), rd(os.path.join(direct, n))
    assert len(a) == len(b), (n, len(a), len(b))
    mx = max(abs(x) for x in b); err = max(abs(x - y) for x, y in zip(a, b))
    rel = err / mx if mx > 0 else err
    print("long %s: %.2e x max" % (n, rel))
    assert rel <= 1e-4, "%s (long): max|fast - direct| = %.3g x max" % (n, rel)
print("long: %d tensors, %d frames" % (len(names), frames))
PY
# and the same audio, bit for bit, from one thread as from two
"$kokoro" say --model-dir "$model" --voice af_heart --phonemes "$ph" --zero-noise --seed 7 \
    --threads 1 --compact off --conv fast -o "$tmp/t1.wav"
cmp "$tmp/t1.wav" "$tmp/off-fast.wav" || { echo "1 and 2 threads differ"; exit 1; }
echo ok
