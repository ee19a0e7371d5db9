/* kk_gemm_packed against a double-precision reference, every kernel this CPU runs: edge sizes,
 * strides wider than the matrices (their padding holds NaN, so reading it shows), accumulate on
 * and off, and bit-identical results when a product is split over columns or row panels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"

#define GEMM_TEST_SEED 12345u
#include "gemm_test_util.h"

static const char *isa_name(kk_gemm_isa_t isa)
{
    return isa == KK_GEMM_AVX512 ? "avx512" : isa == KK_GEMM_AVX2 ? "avx2" : "scalar";
}

static void check_shape(kk_gemm_isa_t isa, int M, int N, int K, int pad, int accumulate)
{
    int lda = K + pad, ldb = N + 2 * pad, ldc = N + 3 * pad;
    float *A = matrix(M, K, lda), *B = matrix(K, N, ldb), *C0 = matrix(M, N, ldc);
    size_t csize = (size_t)M * ldc * sizeof(float);
    float *C = malloc(csize), *C2 = malloc(csize);
    float *packed = malloc((kk_gemm_packed_floats_isa(isa, M, K) + 1) * sizeof(float));
    kk_gemm_pack_isa(isa, A, lda, M, K, packed);
    memcpy(C, C0, csize);
    kk_gemm_packed_rows_isa(isa, M, 0, M, N, K, packed, B, ldb, C, ldc, accumulate);

    double worst = 0.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            float got = C[(size_t)i * ldc + j];
            if (j >= N) {
                CHECK(isnan(got), "%s %dx%dx%d: padding of C written", isa_name(isa), M, N, K);
                continue;
            }
            double ref = accumulate ? C0[(size_t)i * ldc + j] : 0.0;
            double mag = fabs(ref);
            for (int k = 0; k < K; k++) {
                double p = (double)A[(size_t)i * lda + k] * B[(size_t)k * ldb + j];
                ref += p;
                mag += fabs(p);
            }
            double err = fabs(got - ref) / (mag + 1e-30);
            if (!(err <= worst))
                worst = err;
        }
    CHECK(worst <= 1e-5, "%s M=%d N=%d K=%d pad=%d acc=%d: relative error %g", isa_name(isa), M, N,
          K, pad, accumulate, worst);

    /* The same product in pieces: column ranges (one at an odd place) and row panels. */
    int mr = kk_gemm_panel_rows_isa(isa);
    memcpy(C2, C0, csize);
    int cuts[] = {0, N / 3, N / 3 + 1 < N ? N / 3 + 1 : N, N};
    for (int c = 0; c < 3; c++)
        if (cuts[c + 1] > cuts[c])
            kk_gemm_packed_rows_isa(isa, M, 0, M, cuts[c + 1] - cuts[c], K, packed, B + cuts[c],
                                    ldb, C2 + cuts[c], ldc, accumulate);
    CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: column split changes the result",
          isa_name(isa), M, N, K);
    memcpy(C2, C0, csize);
    for (int m0 = 0; m0 < M; m0 += mr) {
        int m1 = m0 + mr < M ? m0 + mr : M;
        kk_gemm_packed_rows_isa(isa, M, m0, m1, N, K, packed, B, ldb, C2, ldc, accumulate);
    }
    CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: row split changes the result",
          isa_name(isa), M, N, K);
    if (isa == kk_gemm_isa()) { /* B's copy in the caller's buffer, misaligned on purpose */
        float *bbuf = malloc((kk_gemm_bpack_floats(N, K) + 1) * sizeof(float));
        memcpy(C2, C0, csize);
        kk_gemm_packed_rows_buf(M, 0, M, N, K, packed, B, ldb, C2, ldc, accumulate, bbuf + 1);
        CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: caller's B buffer changes the result",
              isa_name(isa), M, N, K);
        free(bbuf);
        /* A sum of two right operands, formed in the copy of B: the same bits as the product
         * with B + B2 summed beforehand (B2's padding NaN too). */
        float *B2 = matrix(K, N, ldb), *Bs = malloc((size_t)K * ldb * sizeof(float));
        for (size_t e = 0; e < (size_t)K * ldb; e++)
            Bs[e] = B[e] + B2[e];
        memcpy(C, C0, csize);
        kk_gemm_packed_rows(M, 0, M, N, K, packed, Bs, ldb, C, ldc, accumulate);
        memcpy(C2, C0, csize);
        kk_gemm_packed_sum(M, N, K, packed, B, B2, ldb, C2, ldc, accumulate);
        CHECK(memcmp(C, C2, csize) == 0, "%s M=%d N=%d K=%d: packed sum differs from B + B2",
              isa_name(isa), M, N, K);
        free(B2);
        free(Bs);
        /* In place (nn/gemm.h): C overlaying B row for row gives the out-of-place product. */
        if (K <= KK_GEMM_KC_MIN && M <= K && !accumulate) {
            float *Bc = malloc((size_t)K * ldb * sizeof(float));
            memcpy(Bc, B, (size_t)K * ldb * sizeof(float));
            memcpy(C, C0, csize);
            kk_gemm_packed_rows(M, 0, M, N, K, packed, B, ldb, C, ldb, 0);
            kk_gemm_packed(M, N, K, packed, Bc, ldb, Bc, ldb, 0);
            int same = 1;
            for (int i = 0; i < M; i++)
                same &= memcmp(Bc + (size_t)i * ldb, C + (size_t)i * ldb, N * sizeof(float)) == 0;
            CHECK(same, "%s M=%d N=%d K=%d: in-place product differs", isa_name(isa), M, N, K);
            free(Bc);
        }
    }

    free(A);
    free(B);
    free(C0);
    free(C);
    free(C2);
    free(packed);
}

/* kk_gemm_pack_combos against kk_gemm_pack of each combination made over plain rows by
 * kk_gemm_combine (and the sums by kk_gemm_add_rows), value for value, over units handed out in
 * three ranges (as workers split them); K past one K block, M past whole panels, combinations
 * with and without zeros. */
static void check_pack_combos(kk_gemm_isa_t isa, int M, int K, int taps, int P, int S)
{
    int pairs[8] = {0, 1, P - 1, 0, 1, P - 1, P / 2, P / 2}; /* S <= 4 sums of earlier planes */
    float *W = matrix(M, K * taps, K * taps), *coef = matrix(P, taps, taps);
    for (int pl = 0; pl < P; pl += 3)
        coef[(size_t)pl * taps + pl % taps] = 0.0f;
    size_t n = (size_t)M * K, stride = kk_gemm_packed_floats_isa(isa, M, K);
    float *plain = malloc(sizeof(float) * n * taps), *row = malloc(sizeof(float) * n);
    for (int r = 0; r < M; r++)
        for (int k = 0; k < K; k++)
            for (int q = 0; q < taps; q++)
                plain[(size_t)q * n + (size_t)r * K + k] = W[((size_t)r * K + k) * taps + q];
    int T = P + S;
    float *a = malloc(sizeof(float) * stride * T), *b = malloc(sizeof(float) * stride * T);
    for (int pl = 0; pl < P; pl++) {
        kk_gemm_combine(row, plain, n, n, coef + (size_t)pl * taps, taps);
        kk_gemm_pack_isa(isa, row, K, M, K, a + (size_t)pl * stride);
    }
    for (int sm = 0; sm < S; sm++)
        kk_gemm_add_rows(a + (size_t)(P + sm) * stride, a + (size_t)pairs[2 * sm] * stride,
                         a + (size_t)pairs[2 * sm + 1] * stride, stride);
    int units = kk_gemm_combo_units_isa(isa, M, K, taps);
    memset(b, 0xff, sizeof(float) * stride * T);
    kk_gemm_pack_combos_isa(isa, W, M, K, taps, coef, P, pairs, S, b, stride, 0, units / 3);
    kk_gemm_pack_combos_isa(isa, W, M, K, taps, coef, P, pairs, S, b, stride, units / 3,
                            units / 2);
    kk_gemm_pack_combos_isa(isa, W, M, K, taps, coef, P, pairs, S, b, stride, units / 2, units);
    int same = 1; /* == rather than the bits: the padding rows are zeros of either sign */
    for (size_t e = 0; e < stride * T; e++)
        same &= a[e] == b[e];
    CHECK(same, "%s M=%d K=%d taps=%d P=%d: pack_combos", isa_name(isa), M, K, taps, P);
    free(W), free(coef), free(plain), free(row), free(a), free(b);
}

int main(void)
{
    /* Decided once, from the environment, before anything else asks. */
    setenv("KOKORO_GEMM_ISA", "avx2", 1);
    kk_gemm_isa_t chosen = kk_gemm_isa();
    CHECK(kk_gemm_isa_supported(KK_GEMM_AVX2) ? chosen == KK_GEMM_AVX2 : chosen == KK_GEMM_SCALAR,
          "KOKORO_GEMM_ISA=avx2 gave %s", isa_name(chosen));
    setenv("KOKORO_GEMM_ISA", "scalar", 1);
    CHECK(kk_gemm_isa() == chosen, "the kernel choice changed after the first call");

    kk_gemm_isa_t isas[] = {KK_GEMM_SCALAR, KK_GEMM_AVX2, KK_GEMM_AVX512};
    static const int Ms[] = {1, 5, 6, 7, 12, 13, 25, 40};
    static const int Ns[] = {1, 7, 8, 15, 16, 17, 23, 31, 32, 33, 64, 70};
    static const int Ks[] = {1, 2, 17, 255, 256, 257, 520};
    for (int t = 0; t < 3; t++) {
        if (!kk_gemm_isa_supported(isas[t])) {
            printf("test_gemm: %s kernel not supported by this CPU, skipped\n", isa_name(isas[t]));
            continue;
        }
        int shapes = 0;
        for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
            for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
                for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
                    int M = Ms[mi], N = Ns[ni], K = Ks[ki];
                    /* Big K only with a few M, N: the reference is O(MNK) under the sanitizers. */
                    if (K > 17 && (mi % 3 != 1 || ni % 2 == 1))
                        continue;
                    int pad = (int)((mi + ni + ki) % 3);
                    check_shape(isas[t], M, N, K, pad, (int)((mi + ni + ki) % 2));
                    shapes++;
                }
        /* A product larger than every cache block, both accumulate modes. */
        check_shape(isas[t], 100, 90, 700, 1, 0);
        check_shape(isas[t], 100, 90, 700, 0, 1);
        /* M so large that it is cut into several blocks, which share one packed copy of B (the
         * row-panel split in check_shape takes the other path, so the two are compared bit for
         * bit). */
        check_shape(isas[t], 800, 40, 300, 1, 1);
        check_shape(isas[t], 600, 70, 40, 0, 0);
        check_shape(isas[t], 256, 70, 256, 1, 0); /* in place over several M blocks (AVX2) */
        check_pack_combos(isas[t], 40, 300, 11, 32, 4);
        check_pack_combos(isas[t], 13, 7, 7, 5, 2);
        check_pack_combos(isas[t], 256, 256, 3, 6, 0);
        check_pack_combos(isas[t], 30, 600, 31, 2, 1);
        printf("test_gemm: %s kernel, %d shapes\n", isa_name(isas[t]), shapes + 5);
    }

    /* The process-wide entry points use the chosen kernel's layout. */
    {
        int M = 30, N = 20, K = 40;
        float *A = matrix(M, K, K), *B = matrix(K, N, N), *C = malloc((size_t)M * N * 4);
        float *packed = malloc(kk_gemm_packed_floats(M, K) * sizeof(float));
        kk_gemm_pack(A, K, M, K, packed);
        kk_gemm_packed(M, N, K, packed, B, N, C, N, 0);
        double worst = 0.0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double ref = 0.0, mag = 0.0;
                for (int k = 0; k < K; k++) {
                    ref += (double)A[i * K + k] * B[k * N + j];
                    mag += fabs((double)A[i * K + k] * B[k * N + j]);
                }
                double err = fabs(C[i * N + j] - ref) / mag;
                if (!(err <= worst))
                    worst = err;
            }
        CHECK(worst <= 1e-5, "kk_gemm_packed: relative error %g", worst);
        free(A);
        free(B);
        free(C);
        free(packed);
    }

    if (failures) {
        fprintf(stderr, "test_gemm: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_gemm: ok\n");
    return 0;
}
