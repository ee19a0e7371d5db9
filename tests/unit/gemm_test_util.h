/* Shared by the GEMM tests: a counting CHECK with a printf message, a fixed pseudo-random
 * sequence (seeded by GEMM_TEST_SEED, defined before inclusion) and matrices whose row padding
 * holds NaN, so that a kernel reading past a row's end shows in its result. */
#ifndef KOKORO_TESTS_GEMM_TEST_UTIL_H
#define KOKORO_TESTS_GEMM_TEST_UTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, "\n");                                                                \
            failures++;                                                                           \
        }                                                                                         \
    } while (0)

static unsigned rng = GEMM_TEST_SEED;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (float)(1u << 24) - 0.5f;
}

/* rows x cols matrix with row stride ld; the ld - cols padding floats of each row are NaN. */
static float *matrix(int rows, int cols, int ld)
{
    float *m = malloc((size_t)rows * ld * sizeof(float));
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < ld; j++)
            m[(size_t)i * ld + j] = j < cols ? frand() : NAN;
    return m;
}
#endif
