/*
 * gemm — single-precision C = A * B with A (the weights) packed once.
 *
 * The engine multiplies the same weight matrices against fresh activations many times; a general
 * BLAS re-packs A on every call. Here A is rearranged once (kk_gemm_pack) into the micro-kernel's
 * layout and B is read straight from its row-major storage.
 *
 * Packed layout (depends on the ISA, chosen once per process, see kk_gemm_isa): with MR the
 * panel height (kk_gemm_panel_rows()), KC the kernel's K block and Mp = M rounded up to MR, K is
 * cut into blocks of KC columns (the last may be shorter, kc columns) and M into panels of MR rows.
 * Block b (columns k0 = b*KC ..) starts at packed + k0*Mp; in it panel p starts at p*MR*kc and
 * is a [kc][MR] array: A[p*MR + r][k0 + k] at [k][r]. Rows past M are zero. So the part of A one
 * K block needs is contiguous, panel after panel, in the order the kernel streams it.
 *
 * Determinism: every element of C is summed in the same order over K whatever the N and M
 * extents of a call, so splitting a product into calls over column ranges, or over row ranges at
 * panel boundaries (kk_gemm_packed_rows), gives bit-identical results for a given ISA.
 */
#ifndef KOKORO_NN_GEMM_H
#define KOKORO_NN_GEMM_H

#include <stddef.h>

typedef enum {
    KK_GEMM_SCALAR = 0, /* portable C, for non-x86 builds */
    KK_GEMM_AVX2 = 1,   /* AVX2 + FMA */
    KK_GEMM_AVX512 = 2, /* AVX-512F */
} kk_gemm_isa_t;

/* The kernel this process uses: AVX-512F where the CPU has it, else AVX2. The environment variable
 * KOKORO_GEMM_ISA=avx2|scalar selects a lesser one (to test that path); an ISA the CPU lacks is
 * never chosen. Decided on the first call and fixed for the life of the process. */
kk_gemm_isa_t kk_gemm_isa(void);
/* Whether this CPU can run the kernel of `isa`. */
int kk_gemm_isa_supported(kk_gemm_isa_t isa);

/* Rows per packed panel (MR) of the process's kernel. */
int kk_gemm_panel_rows(void);
/* Floats needed by kk_gemm_pack for an M x K matrix. */
size_t kk_gemm_packed_floats(int M, int K);
/* Pack A [M][K] (row stride lda) into `packed` (kk_gemm_packed_floats(M, K) floats). */
void kk_gemm_pack(const float *A, int lda, int M, int K, float *packed);
/* The same for A[i][k] at A[i*lda + k*inc]: e.g. one tap q of a convolution's W[out][in][k] is
 * A = W + q, lda = in*k, inc = k. */
void kk_gemm_pack_strided(const float *A, int lda, int inc, int M, int K, float *packed);
/* P linear combinations of the taps of W[M][K][taps], each packed as kk_gemm_pack packs an M x K
 * matrix: plane pl (at planes + pl*plane_stride) = sum_q coef[pl*taps + q] * W[:, :, q], as
 * coef[pl*taps] * tap 0 followed by one fused multiply-add per further tap in q order, on every
 * ISA: every element has the same value whoever computes it, and the same as kk_gemm_combine
 * over plain rows (rows past M: over zero taps, so zeros, of either sign). And S sums: plane
 * P + s = plane pairs[2s] + plane pairs[2s+1] (kk_gemm_add_rows; pairs < P). Split into
 * kk_gemm_combo_units(M, K, taps) units; a call makes units [u0, u1). taps <= 512. */
int kk_gemm_combo_units(int M, int K, int taps);
/* The same sums over plain rows: dst[e] = sum_q coef[q] * taps_rows[q*stride + e], e < len. */
void kk_gemm_combine(float *dst, const float *taps_rows, size_t len, size_t stride,
                     const float *coef, int taps);
void kk_gemm_pack_combos(const float *W, int M, int K, int taps, const float *coef, int P,
                         const int *pairs, int S, float *planes, size_t plane_stride, int u0,
                         int u1);
/* dst[e] = a[e] + b[e] */
void kk_gemm_add_rows(float *dst, const float *a, const float *b, size_t len);
/* Every kernel's K block holds at least this many rows of B. With K <= KK_GEMM_KC_MIN a whole
 * product (kk_gemm_packed, kk_gemm_packed_sum; not rows of it split over threads) copies each
 * slice of B's columns, all K rows of it, before it writes those columns of C, and never reads
 * them again afterwards: C may overlay B row for row (C == B, ldc == ldb, M <= K, accumulate
 * off), as the FFT convolutions' products overwrite their operands (nn/conv_fft.c). */
#define KK_GEMM_KC_MIN 256

/* C[M][N] (row stride ldc) = (accumulate ? C : 0) + A * B; B is [K][N] row-major (row stride
 * ldb); A as packed by kk_gemm_pack. Single-threaded: callers split the work themselves. */
void kk_gemm_packed(int M, int N, int K, const float *packed, const float *B, int ldb, float *C,
                    int ldc, int accumulate);
/* Rows [m0, m1) of that M-row product only (m0 a multiple of kk_gemm_panel_rows(), m1 <= M);
 * C still points at row 0. Lets callers split M across threads over one packed A. */
void kk_gemm_packed_rows(int M, int m0, int m1, int N, int K, const float *packed, const float *B,
                         int ldb, float *C, int ldc, int accumulate);

/* kk_gemm_packed_rows with `bbuf` (kk_gemm_bpack_floats(N, K) floats, any alignment) as the
 * transient copy of B that a product of more than one M block makes: the caller's scratch
 * instead of a malloc per call (which, freed, raises glibc's mmap threshold, after which the
 * process's other large temporaries stay in its heap). Same results. */
size_t kk_gemm_bpack_floats(int N, int K);
void kk_gemm_packed_rows_buf(int M, int m0, int m1, int N, int K, const float *packed,
                             const float *B, int ldb, float *C, int ldc, int accumulate,
                             float *bbuf);

/* kk_gemm_packed with B + B2 (both [K][N], row stride ldb) as the right operand, summed as B is
 * copied into the kernel's slices: the same results as summing the two into a third matrix
 * first, without that matrix's trip through memory. */
void kk_gemm_packed_sum(int M, int N, int K, const float *packed, const float *B, const float *B2,
                        int ldb, float *C, int ldc, int accumulate);

/* The same with an explicit ISA (tests and benchmarks; the ISA must be supported, and `packed`
 * must come from kk_gemm_pack_isa with the same ISA). */
int kk_gemm_panel_rows_isa(kk_gemm_isa_t isa);
size_t kk_gemm_packed_floats_isa(kk_gemm_isa_t isa, int M, int K);
void kk_gemm_pack_isa(kk_gemm_isa_t isa, const float *A, int lda, int M, int K, float *packed);
void kk_gemm_pack_strided_isa(kk_gemm_isa_t isa, const float *A, int lda, int inc, int M, int K,
                              float *packed);
int kk_gemm_combo_units_isa(kk_gemm_isa_t isa, int M, int K, int taps);
void kk_gemm_pack_combos_isa(kk_gemm_isa_t isa, const float *W, int M, int K, int taps,
                             const float *coef, int P, const int *pairs, int S, float *planes,
                             size_t plane_stride, int u0, int u1);
void kk_gemm_packed_rows_isa(kk_gemm_isa_t isa, int M, int m0, int m1, int N, int K, const float *packed,
                             const float *B, int ldb, float *C, int ldc, int accumulate);

#endif
