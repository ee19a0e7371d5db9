#!/usr/bin/env bash
# ctest-label: slow
# The encoder API tests (every format: streamed and not, empty streams, abandoned encoders,
# refusing sinks, concurrent threads) and the join tests under valgrind on the Release build: no
# use of uninitialised memory — also inside the codec libraries — and no leaks.
set -euo pipefail
build=$2
for t in test_audio_api test_audio_joins; do
    valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect "$build/tests/$t"
done
echo ok
