/*
 * conv_bench — the k = 3 "same" convolution of the generator's resblocks by each exact method:
 * direct (kk_conv1d_buf: im2col + OpenBLAS SGEMM) and Winograd F(4, 3) and F(6, 3)
 * (kk_conv1d_wino, filters transformed beforehand as at model load).
 *
 *   conv_bench [--threads T] [C L d ...]
 *
 * Prints the best of several alternating rounds (thread CPU time with one thread, else wall
 * time; the machine is shared, the minimum is the least disturbed) and the
 * direct-convolution-equivalent GFLOP/s. Without arguments: Kokoro-82M's shapes for 10 s of
 * audio (256 channels at 800 Hz, 128 at 4.8 kHz).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/conv_wino.h"
#include "nn/nn.h"
#include "nn/parallel.h"

/* One thread: its CPU time (time descheduled on a shared machine is not the method's); more:
 * wall time. */
static int use_cpu_time = 1;
static double now(void)
{
    struct timespec ts;
    clock_gettime(use_cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *rnd(size_t n, unsigned *state)
{
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; p && i < n; i++) {
        *state = *state * 1664525u + 1013904223u;
        p[i] = (float)((*state >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
    return p;
}

static void bench_shape(int C, int L, int d, int threads)
{
    unsigned st = 7;
    float *x = rnd((size_t)C * L, &st), *W = rnd((size_t)C * C * 3, &st), *b = rnd(C, &st);
    float *y = malloc(sizeof(float) * (size_t)C * L);
    kk_conv_wino p[2];
    float *U[2];
    int ms[2] = {4, 6};
    size_t sc_n = kk_conv1d_buf_scratch(C, C, L, 3, 1, d, d, threads);
    for (int i = 0; i < 2; i++) {
        kk_conv_wino_init(&p[i], C, C, ms[i]);
        U[i] = malloc(sizeof(float) * kk_conv_wino_packed_floats(&p[i]));
        kk_conv_wino_filters(&p[i], W, U[i], 1);
        size_t s = kk_conv1d_wino_scratch(&p[i], L, d, threads);
        sc_n = s > sc_n ? s : sc_n;
    }
    float *sc = malloc(sizeof(float) * sc_n);
    kk_buf xb = kk_buf_f32(x, C, L), yb = kk_buf_f32(y, C, L);
    double best[3] = {1e30, 1e30, 1e30};
    for (int round = 0; round < 7; round++)
        for (int meth = 0; meth < 3; meth++) {
            double t = now();
            if (meth == 0)
                kk_conv1d_buf(&xb, NULL, W, b, C, 3, 1, d, d, &yb, 0, sc, threads);
            else
                kk_conv1d_wino(&p[meth - 1], U[meth - 1], &xb, NULL, b, d, &yb, 0, sc, threads, NULL);
            t = now() - t;
            best[meth] = t < best[meth] ? t : best[meth];
        }
    double gf = 2.0 * 3 * C * (double)C * L * 1e-9;
    printf("%5d %7d %3d %9.2f %9.2f %9.2f   %6.1f %6.1f %6.1f\n", C, L, d, 1e3 * best[0],
           1e3 * best[1], 1e3 * best[2], gf / best[0], gf / best[1], gf / best[2]);
    free(x), free(W), free(b), free(y), free(sc), free(U[0]), free(U[1]);
}

int main(int argc, char **argv)
{
    int threads = 1, a = 1;
    if (argc > 2 && !strcmp(argv[1], "--threads")) {
        threads = atoi(argv[2]);
        a = 3;
    }
    use_cpu_time = threads <= 1;
    kk_blas_single_threaded();
    kk_pool *pool = threads > 1 ? kk_pool_new(threads - 1) : NULL;
    kk_pool_attach(pool);
    printf("%d thread(s); ms per call (best of 7), then direct-equivalent GFLOP/s\n", threads);
    printf("    C       L   d    direct  F(4,3)ms  F(6,3)ms   direct F(4,3) F(6,3)\n");
    if (argc - a >= 3) {
        for (; a + 2 < argc; a += 3)
            bench_shape(atoi(argv[a]), atoi(argv[a + 1]), atoi(argv[a + 2]), threads);
    } else {
        static const int shapes[][3] = {{256, 8000, 1}, {256, 8000, 3}, {256, 8000, 5},
                                        {128, 48000, 1}, {128, 48000, 3}, {128, 48000, 5}};
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            bench_shape(shapes[i][0], shapes[i][1], shapes[i][2], threads);
    }
    kk_pool_attach(NULL);
    kk_pool_free(pool);
    return 0;
}
