#!/usr/bin/env bash
# ctest-label: slow
# Every golden case (float32 and compact generator stages) under valgrind: the same tolerances as
# test_golden, no invalid accesses, no definite or indirect leaks. OpenBLAS runs single-threaded so
# its worker threads do not confuse the leak check.
set -euo pipefail
build=$2
OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect -q \
    "$build/tests/test_golden" | tail -n 2
echo ok
