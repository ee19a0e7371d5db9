#!/usr/bin/env bash
# One short golden case through the Release `kokoro say` under valgrind: no invalid accesses, no
# leaks. OpenBLAS runs single-threaded so its worker threads do not confuse the leak check.
set -euo pipefail
kokoro=$1
G=$KOKORO_FIXTURES/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect -q \
    "$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_beta --phonemes "ə" --speed 2 \
    --zero-noise --dump-dir "$tmp/dump" -o "$tmp/e.wav"
[ "$(stat -c %s "$tmp/e.wav")" -eq $((44 + 2 * 1800)) ]
# the compact generator path (packed stage buffers, recomputed convolution) too
OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect -q \
    "$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_beta --phonemes "ə" --speed 2 \
    --zero-noise --compact on -o "$tmp/c.wav"
[ "$(stat -c %s "$tmp/c.wav")" -eq $((44 + 2 * 1800)) ]
echo ok
