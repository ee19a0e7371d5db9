/*
 * gemm_bf16 — C = A * B with bf16 operands and float32 accumulation, A (the weights) packed once.
 *
 * The optional lower-precision twin of nn/gemm.h. A is rounded to bf16 when packed; B (float32,
 * row-major, as kk_gemm_packed takes it) is rounded to bf16 while it is copied into the kernel's
 * slices; C is float32. A product of two bf16 values is exact in float32, so the error is that of
 * the operands' rounding (relative 2^-9 each, RNE) plus float32 accumulation.
 *
 * Kernels: AMX-BF16 tiles where the CPU and the OS allow them, else AVX512-BF16 (vdpbf16ps).
 * Measured on one core of the Sapphire Rapids class development VM, 128 x 128 x 128 and
 * 256 x 128 x 256 (the FFT convolutions' per-bin shapes): the float32 kernel of nn/gemm.h ~150
 * GFLOP/s; vdpbf16ps ~90 (it issues at a quarter of the FMA's rate there, so its doubled width
 * loses); AMX 690-800, about five times float32. On a CPU with AVX512-BF16 but no AMX, bf16 pays
 * only where vdpbf16ps issues about as fast as an FMA (AMD Zen 4/5), hence the measurement in
 * kk_gemm_bf16_isa.
 *
 * A caller of kk_gemm_packed switches by packing A once more with kk_gemm_bf16_pack (from the
 * same float32 matrix it gave kk_gemm_pack) and calling kk_gemm_bf16_packed with the same
 * arguments, where kk_gemm_bf16_native() says a kernel runs; elsewhere it keeps its float32 call.
 *
 * Packed layout (depends on the kernel, like nn/gemm.h's). AVX512-BF16: MR = 12, Mp = M rounded
 * up to MR, K cut into blocks of KC = 256 k values, the last one possibly shorter; a block of kc
 * values holds kc2 = ceil(kc/2) k pairs. Block b (k0 = b*KC) starts at element k0*Mp; in it panel
 * p starts at p*MR*2*kc2 and is a [kc2][MR][2] array: A[p*MR + r][k0 + 2q + t] at [q][r][t].
 * AMX: 16-row groups g and 32-value k chunks c; tile (g, c) is the [16][32] array at
 * (g * ceil(K/32) + c) * 512, with M rounded up to 32. Rows past M and k past K are zero.
 *
 * Determinism: as nn/gemm.h — every element of C is summed in the same order over K whatever the
 * row or column range of a call, so results do not depend on how callers split the work.
 */
#ifndef KOKORO_NN_GEMM_BF16_H
#define KOKORO_NN_GEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t kk_bf16;

typedef enum {
    KK_BF16_NONE = 0,   /* no bf16 kernel: callers use float32 */
    KK_BF16_AVX512 = 1, /* AVX512-BF16 (vdpbf16ps) */
    KK_BF16_AMX = 2,    /* AMX-BF16 tiles (tdpbf16ps); B is still packed by AVX512-BF16 */
} kk_bf16_isa_t;

/* The bf16 kernel this process uses, provided the float32 GEMM runs AVX-512 (KOKORO_GEMM_ISA=avx2
 * or scalar therefore also turns bf16 off): AMX where the CPU and OS allow it; else AVX512-BF16
 * if a ~1 ms measurement of vdpbf16ps against the float32 FMA finds it at least 1.3x the
 * multiply-add rate; else none (callers then compute in float32). KOKORO_GEMM_BF16=avx512 picks
 * AVX512-BF16 wherever the CPU has it (no measurement), =off none. Decided on the first call,
 * fixed for the life of the process. */
kk_bf16_isa_t kk_gemm_bf16_isa(void);
/* The measurement kk_gemm_bf16_isa makes for AVX512-BF16 (0 where the CPU lacks it). */
int kk_gemm_bf16_dot_pays(void);
/* kk_gemm_bf16_isa() != KK_BF16_NONE. */
int kk_gemm_bf16_native(void);

/* float32 -> bf16, round to nearest even; subnormals flush to signed zero and NaNs stay NaN, as
 * the AVX512-BF16 conversion instructions do. */
kk_bf16 kk_bf16_from_float(float x);
float kk_bf16_to_float(kk_bf16 h);

/* The functions below compute the same bf16 product on any CPU, natively or (much slower, for
 * tests and non-x86 builds) by a portable loop; callers use them only where kk_gemm_bf16_native().
 * The portable loop may round the float32 sums differently from the native kernel. */
int kk_gemm_bf16_panel_rows(void);
/* bf16 elements kk_gemm_bf16_pack needs for an M x K matrix. */
size_t kk_gemm_bf16_packed_elems(int M, int K);
/* Pack A [M][K] (row stride lda), rounding it to bf16. */
void kk_gemm_bf16_pack(const float *A, int lda, int M, int K, kk_bf16 *packed);
/* C[M][N] (row stride ldc) = (accumulate ? C : 0) + A * B, B [K][N] float32 (row stride ldb),
 * as kk_gemm_packed. Single-threaded. */
void kk_gemm_bf16_packed(int M, int N, int K, const kk_bf16 *packed, const float *B, int ldb,
                         float *C, int ldc, int accumulate);
/* Rows [m0, m1) only (m0 a multiple of kk_gemm_bf16_panel_rows()), as kk_gemm_packed_rows. */
void kk_gemm_bf16_packed_rows(int M, int m0, int m1, int N, int K, const kk_bf16 *packed,
                              const float *B, int ldb, float *C, int ldc, int accumulate);
/* The same with an explicit kernel (KK_BF16_NONE: the portable loop, AVX512-BF16 layout); the
 * kernel must be supported and `packed` made by kk_gemm_bf16_pack_isa with the same one. */
int kk_gemm_bf16_panel_rows_isa(kk_bf16_isa_t isa);
size_t kk_gemm_bf16_packed_elems_isa(kk_bf16_isa_t isa, int M, int K);
void kk_gemm_bf16_pack_isa(kk_bf16_isa_t isa, const float *A, int lda, int M, int K,
                           kk_bf16 *packed);
void kk_gemm_bf16_packed_rows_isa(kk_bf16_isa_t isa, int M, int m0, int m1, int N, int K,
                                  const kk_bf16 *packed, const float *B, int ldb, float *C,
                                  int ldc, int accumulate);
/* Whether this CPU can run the kernel of `isa` (KK_BF16_NONE: always). */
int kk_gemm_bf16_isa_supported(kk_bf16_isa_t isa);

#endif
