/* kk_gemm_bf16_packed against double-precision references: the portable loop on every CPU, the
 * AVX512-BF16 and AMX kernels where the CPU has them. Tolerances (relative to sum_k |A_ik B_kj|):
 *  - against the product of the bf16-rounded operands: 1e-5 (float32 accumulation only);
 *  - against the exact float32 operands: 8e-3 (each operand rounds by at most 2^-9 relative, so a
 *    product by at most ~2^-8 = 3.9e-3, plus accumulation).
 * Also: the RNE conversion on its edge cases, padding of C never written, and bit-identical
 * results when a product is split over columns or row panels (thread-count independence). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_bf16.h"

#define GEMM_TEST_SEED 777u
#include "gemm_test_util.h"

static float bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void test_conversion(void)
{
    CHECK(kk_bf16_from_float(1.0f) == 0x3f80, "1.0");
    CHECK(kk_bf16_from_float(-2.0f) == 0xc000, "-2.0");
    /* halfway cases round to even */
    CHECK(kk_bf16_from_float(bits(0x3f808000u)) == 0x3f80, "tie down to even");
    CHECK(kk_bf16_from_float(bits(0x3f818000u)) == 0x3f82, "tie up to even");
    CHECK(kk_bf16_from_float(bits(0x3f808001u)) == 0x3f81, "above half rounds up");
    CHECK(kk_bf16_from_float(bits(0x7f7fffffu)) == 0x7f80, "overflow to inf");
    CHECK(kk_bf16_from_float(INFINITY) == 0x7f80 && kk_bf16_from_float(-INFINITY) == 0xff80, "inf");
    CHECK(isnan(kk_bf16_to_float(kk_bf16_from_float(NAN))), "NaN stays NaN");
    CHECK(isnan(kk_bf16_to_float(kk_bf16_from_float(bits(0x7f800001u)))), "low-payload NaN");
    CHECK(kk_bf16_from_float(bits(0x00400000u)) == 0x0000, "subnormal flushes");
    CHECK(kk_bf16_from_float(bits(0x80400000u)) == 0x8000, "negative subnormal flushes");
    for (int i = 0; i < 1000; i++) {
        float x = frand() * 100.0f;
        float y = kk_bf16_to_float(kk_bf16_from_float(x));
        CHECK(fabsf(y - x) <= fabsf(x) * (1.0f / 256.0f), "%g -> %g", x, y);
    }
}

static const char *name_of(kk_bf16_isa_t isa)
{
    return isa == KK_BF16_AMX ? "amx" : isa == KK_BF16_AVX512 ? "avx512bf16" : "portable";
}

static void check_shape(kk_bf16_isa_t isa, int M, int N, int K, int pad, int accumulate)
{
    int lda = K + pad, ldb = N + 2 * pad, ldc = N + 3 * pad;
    float *A = matrix(M, K, lda), *B = matrix(K, N, ldb), *C0 = matrix(M, N, ldc);
    size_t csize = (size_t)M * ldc * sizeof(float);
    float *C = malloc(csize), *C2 = malloc(csize);
    kk_bf16 *packed = malloc((kk_gemm_bf16_packed_elems_isa(isa, M, K) + 1) * sizeof(kk_bf16));
    kk_gemm_bf16_pack_isa(isa, A, lda, M, K, packed);
    memcpy(C, C0, csize);
    kk_gemm_bf16_packed_rows_isa(isa, M, 0, M, N, K, packed, B, ldb, C, ldc, accumulate);

    double worst_r = 0.0, worst_x = 0.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            float got = C[(size_t)i * ldc + j];
            if (j >= N) {
                CHECK(isnan(got), "%s %dx%dx%d: padding of C written", name_of(isa), M, N, K);
                continue;
            }
            double old = accumulate ? C0[(size_t)i * ldc + j] : 0.0;
            double ref_r = old, ref_x = old, mag = fabs(old);
            for (int k = 0; k < K; k++) {
                float a = A[(size_t)i * lda + k], b = B[(size_t)k * ldb + j];
                ref_r += (double)kk_bf16_to_float(kk_bf16_from_float(a)) *
                         kk_bf16_to_float(kk_bf16_from_float(b));
                ref_x += (double)a * b;
                mag += fabs((double)a * b);
            }
            double er = fabs(got - ref_r) / (mag + 1e-30), ex = fabs(got - ref_x) / (mag + 1e-30);
            if (!(er <= worst_r))
                worst_r = er;
            if (!(ex <= worst_x))
                worst_x = ex;
        }
    CHECK(worst_r <= 1e-5, "%s M=%d N=%d K=%d acc=%d: %g from the rounded-operand product",
          name_of(isa), M, N, K, accumulate, worst_r);
    CHECK(worst_x <= 8e-3, "%s M=%d N=%d K=%d acc=%d: %g from the float32 product", name_of(isa),
          M, N, K, accumulate, worst_x);

    int mr = kk_gemm_bf16_panel_rows_isa(isa);
    memcpy(C2, C0, csize);
    int cuts[] = {0, N / 3, N / 3 + 1 < N ? N / 3 + 1 : N, N};
    for (int c = 0; c < 3; c++)
        if (cuts[c + 1] > cuts[c])
            kk_gemm_bf16_packed_rows_isa(isa, M, 0, M, cuts[c + 1] - cuts[c], K, packed,
                                         B + cuts[c], ldb, C2 + cuts[c], ldc, accumulate);
    CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: column split changes the result",
          name_of(isa), M, N, K);
    memcpy(C2, C0, csize);
    for (int m0 = 0; m0 < M; m0 += mr) {
        int m1 = m0 + mr < M ? m0 + mr : M;
        kk_gemm_bf16_packed_rows_isa(isa, M, m0, m1, N, K, packed, B, ldb, C2, ldc, accumulate);
    }
    CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: row split changes the result",
          name_of(isa), M, N, K);
    free(A);
    free(B);
    free(C0);
    free(C);
    free(C2);
    free(packed);
}

int main(void)
{
    /* KOKORO_GEMM_BF16=off forces the float32 fallback (decided once, on the first call) */
    setenv("KOKORO_GEMM_BF16", "off", 1);
    CHECK(kk_gemm_bf16_isa() == KK_BF16_NONE && !kk_gemm_bf16_native(), "off not honoured");
    unsetenv("KOKORO_GEMM_BF16");
    CHECK(kk_gemm_bf16_isa() == KK_BF16_NONE, "the kernel choice changed after the first call");

    /* the AVX512-BF16 measurement: its verdict on this CPU (Sapphire Rapids: no, ~0.25x the FMA
     * rate; Zen 4/5: yes), and none without the instruction */
    int pays = kk_gemm_bf16_dot_pays();
    printf("test_gemm_bf16: vdpbf16ps %s the float32 FMA here\n", pays ? "beats" : "does not beat");
    CHECK(kk_gemm_bf16_isa_supported(KK_BF16_AVX512) || !pays, "measured without the instruction");
    test_conversion();
    kk_bf16_isa_t isas[] = {KK_BF16_NONE, KK_BF16_AVX512, KK_BF16_AMX};
    static const int Ms[] = {1, 11, 12, 13, 30};
    static const int Ns[] = {1, 15, 16, 17, 32, 33, 70};
    static const int Ks[] = {1, 2, 3, 17, 256, 257, 520};
    for (int t = 0; t < 3; t++) {
        if (!kk_gemm_bf16_isa_supported(isas[t])) {
            printf("test_gemm_bf16: %s kernel not supported by this CPU, skipped\n",
                   name_of(isas[t]));
            continue;
        }
        int shapes = 0;
        for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
            for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
                for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
                    int M = Ms[mi], N = Ns[ni], K = Ks[ki];
                    if (K > 17 && (mi % 2 != 1 || ni % 2 == 1))
                        continue;
                    check_shape(isas[t], M, N, K, (int)((mi + ni + ki) % 3),
                                (int)((mi + ni + ki) % 2));
                    shapes++;
                }
        /* several M blocks */
        check_shape(isas[t], 600, 40, 130, 1, 1);
        printf("test_gemm_bf16: %s kernel, %d shapes\n", name_of(isas[t]), shapes + 1);
    }
    if (failures) {
        fprintf(stderr, "test_gemm_bf16: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_gemm_bf16: ok\n");
    return 0;
}
