/*
 * gemm_bench — GFLOP/s of kk_gemm_packed (A packed once, as at model load) against OpenBLAS
 * cblas_sgemm (single-threaded, which packs A on every call) on the GEMM shapes of the engine.
 *
 *   gemm_bench [--isa avx2|avx512|all] [--quick] [M K N ...]
 *
 * Each figure is the best of several timed rounds of thread CPU time, alternating between the
 * contenders (the machine is shared; the minimum is the least disturbed). With explicit M K N triples only those shapes are measured.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/gemm.h"

/* CPU time of this thread: on a shared machine, time spent descheduled is not the kernel's. Both
 * contenders run on this thread (OpenBLAS is limited to one thread). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    int M, N, K;
    const float *A, *B, *packed;
    float *C;
    kk_gemm_isa_t isa;
} shape_t;

static void run_ours(const shape_t *s)
{
    kk_gemm_packed_rows_isa(s->isa, s->M, 0, s->M, s->N, s->K, s->packed, s->B, s->N, s->C, s->N, 0);
}

static void run_blas(const shape_t *s)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->M, s->N, s->K, 1.0f, s->A, s->K,
                s->B, s->N, 0.0f, s->C, s->N);
}

/* Seconds per call of fn: repetitions of ~20 ms in all. */
static double time_once(void (*fn)(const shape_t *), const shape_t *s, int reps)
{
    double t0 = now();
    for (int r = 0; r < reps; r++)
        fn(s);
    return (now() - t0) / reps;
}

static int reps_for(const shape_t *s)
{
    return (int)(20e-3 * 50e9 / (2.0 * s->M * s->N * s->K)) + 1;
}
static float *random_floats(size_t n)
{
    float *p = malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "gemm_bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return p;
}

static void bench_shape(int M, int K, int N, const kk_gemm_isa_t *isas, int nisa)
{
    float *A = random_floats((size_t)M * K), *B = random_floats((size_t)K * N);
    float *C = random_floats((size_t)M * N);
    shape_t s[3] = {{M, N, K, A, B, NULL, C, KK_GEMM_AVX2}};
    float *packed[2] = {NULL, NULL};
    for (int i = 0; i < nisa; i++) {
        packed[i] = malloc(kk_gemm_packed_floats_isa(isas[i], M, K) * sizeof(float));
        if (!packed[i]) {
            fprintf(stderr, "gemm_bench: out of memory\n");
            exit(1);
        }
        kk_gemm_pack_isa(isas[i], A, K, M, K, packed[i]);
        s[1 + i] = s[0];
        s[1 + i].packed = packed[i];
        s[1 + i].isa = isas[i];
    }
    /* Rounds alternate between the contenders so that load from other processes hits all of them;
     * the best round of each counts. */
    double best[3] = {1e30, 1e30, 1e30};
    int reps = reps_for(&s[0]);
    for (int round = 0; round < 7; round++)
        for (int v = 0; v <= nisa; v++) {
            double t = time_once(v == 0 ? run_blas : run_ours, &s[v], round == 0 ? 1 : reps);
            if (round > 0 && t < best[v])
                best[v] = t;
        }
    double flops = 2.0 * M * N * K;
    printf("%5d %5d %5d %9.1f", M, K, N, flops / best[0] * 1e-9);
    for (int i = 0; i < nisa; i++)
        printf(" %9.1f %5.2fx", flops / best[1 + i] * 1e-9, best[0] / best[1 + i]);
    for (int i = 0; i < nisa; i++)
        free(packed[i]);
    printf("\n");
    fflush(stdout);
    free(A);
    free(B);
    free(C);
}

int main(int argc, char **argv)
{
    kk_gemm_isa_t isas[2];
    int nisa = 0, quick = 0, argi = 1;
    const char *want = "all";
    for (; argi < argc && argv[argi][0] == '-'; argi++) {
        if (strcmp(argv[argi], "--isa") == 0 && argi + 1 < argc)
            want = argv[++argi];
        else if (strcmp(argv[argi], "--quick") == 0)
            quick = 1;
        else {
            fprintf(stderr, "usage: gemm_bench [--isa avx2|avx512|all] [--quick] [M K N ...]\n");
            return 2;
        }
    }
    if ((strcmp(want, "all") == 0 || strcmp(want, "avx512") == 0) &&
        kk_gemm_isa_supported(KK_GEMM_AVX512))
        isas[nisa++] = KK_GEMM_AVX512;
    if ((strcmp(want, "all") == 0 || strcmp(want, "avx2") == 0) &&
        kk_gemm_isa_supported(KK_GEMM_AVX2))
        isas[nisa++] = KK_GEMM_AVX2;
    if (nisa == 0) {
        fprintf(stderr, "gemm_bench: no usable kernel for --isa %s on this CPU\n", want);
        return 1;
    }
    openblas_set_num_threads(1);
    printf("GFLOP/s, single thread, best of 6 alternating rounds (ratio = ours / OpenBLAS)\n");
    printf("%5s %5s %5s %9s", "M", "K", "N", "OpenBLAS");
    for (int i = 0; i < nisa; i++)
        printf(" %9s %6s", isas[i] == KK_GEMM_AVX512 ? "avx512" : "avx2", "ratio");
    printf("\n");
    if (argi < argc) {
        for (; argi + 2 < argc; argi += 3)
            bench_shape(atoi(argv[argi]), atoi(argv[argi + 1]), atoi(argv[argi + 2]), isas, nisa);
        return 0;
    }
    static const int Ms[] = {128, 256, 512, 1024}, Ks[] = {128, 256, 384, 768, 1024, 3072},
                     Ns[] = {23, 64, 128, 256, 512, 1024};
    for (int mi = 0; mi < 4; mi++)
        for (int ki = 0; ki < 6; ki++)
            for (int ni = 0; ni < 6; ni++) {
                if (quick && (mi % 2 || ki % 2 || ni % 2))
                    continue;
                bench_shape(Ms[mi], Ks[ki], Ns[ni], isas, nisa);
            }
    return 0;
}
