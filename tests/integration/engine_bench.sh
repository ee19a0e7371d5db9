#!/usr/bin/env bash
# kokoro bench on the golden tiny model (a real checkpoint) with a JSON input list: one result
# row per input with the announced columns, then the peak RSS; bad options fail with one line.
set -euo pipefail
kokoro=$1
G=$KOKORO_FIXTURES/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '["həlˈO wˈɜɹld", "ʃˈiz sˈɛlɪŋ sˈiʃˌɛlz bˈI ðə sˈiʃˌɔɹ!"]' >"$tmp/in.json"
out=$("$kokoro" bench --model "$G/kokoro-tiny.pth" --voice tv_alpha --inputs "$tmp/in.json" \
      --runs 2 --threads 2)
echo "$out"
grep -q '^input .*tokens .*frames .*audio_s .*wall_s .*RTF .*cpu_s' <<<"$out"
[ "$(grep -c '^input  *[0-9]' <<<"$out")" -eq 2 ]
grep -q '^input  *12  *19  *0.47 ' <<<"$out"   # a_short: 12 phonemes, 19 frames, 0.475 s
grep -q '^peak RSS [0-9]* MiB ([0-9]* MB)$' <<<"$out"
# the machine's own SGEMM rate, and each input's fraction of the direct-convolution floor
grep -q '^machine SGEMM [0-9.]* GFLOP/s on 2 threads' <<<"$out"
[ "$(grep -c '^input: RTF x SGEMM / 55 GFLOP = [0-9.]*' <<<"$out")" -eq 2 ]
# compact stage buffers give the same lengths
out2=$("$kokoro" bench --model "$G/kokoro-tiny.pth" --voice tv_alpha --inputs "$tmp/in.json" \
       --runs 1 --threads 2 --compact on)
echo "$out2"
grep -q 'compact on' <<<"$out2"
grep -q '^input  *12  *19  *0.47 ' <<<"$out2"
# bf16: the header line says what runs (bf16 and its kernel, or the float32 fallback)
out3=$("$kokoro" bench --model "$G/kokoro-tiny.pth" --voice tv_alpha --inputs "$tmp/in.json" \
       --runs 1 --threads 2 --precision bf16)
grep -Eq '^load .*precision (bf16 \((AMX|AVX512)-BF16\)|fp32 \(bf16 unavailable)' <<<"$out3"
grep -q '^input  *12  *19  *0.47 ' <<<"$out3"
out4=$(KOKORO_GEMM_BF16=off "$kokoro" bench --model "$G/kokoro-tiny.pth" --voice tv_alpha \
       --inputs "$tmp/in.json" --runs 1 --threads 2 --precision bf16)
grep -q '^load .*precision fp32 (bf16 unavailable' <<<"$out4"
set +e
msg=$("$kokoro" bench --precision fp8 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "bad --precision accepted: $msg"; exit 1; }
set +e
msg=$("$kokoro" bench --runs 0 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "bad --runs accepted: $msg"; exit 1; }
set +e
msg=$("$kokoro" bench --compact maybe 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "bad --compact accepted: $msg"; exit 1; }
echo ok
