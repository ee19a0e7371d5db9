/*
 * gemm — C = A * B on a pre-packed A (see gemm.h for the layout and the determinism contract).
 *
 * Design (BLIS-like): the micro-kernel keeps an MR x NR block of C in registers; for each k it
 * loads NR consecutive floats of row k of a B slice as vectors, broadcasts the MR values of column
 * k of the A panel (contiguous in the packed panel) and does MR x NR/VL FMAs.
 *
 * Loops, outside in: M blocks of mc rows (their kc-column part of packed A stays in L2), K blocks
 * of kc (a kc x NR slice of B stays in L1 while all panels of the M block stream past it), slices
 * of NR columns, panels of MR rows. B is copied slice by slice into a contiguous buffer (see
 * kk_gemm_packed_rows_isa); that copy is 1/(2M) of the work, and makes every slice read after
 * the first pass one sequential stream. C carries the partial sums from one K block to the next.
 *
 * Summation order: kc depends only on the ISA, never on M, N or the blocking over M, so every
 * element of C is first the old C (accumulate) or zero, then plus A[i][k] * B[k][j] for
 * k = 0, 1, ..., K-1 in order, one FMA each (every lane of a vector is an independent column).
 * The result is thus the same whatever columns or row panels a call covers.
 */
#include "nn/gemm.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KK_GEMM_X86 1
#include <immintrin.h>
#endif

/* Register blocks, chosen by measurement (bench/gemm_bench.c). AVX-512: 12 x 32 -> 24 zmm
 * accumulators + 2 for B + 1 broadcast of 32 registers. AVX2: 6 x 16 -> 12 ymm + 2 + 1 of 16. */
#define MR512 12
#define NR512 32
#define MR256 6
#define NR256 16
#define MRSC 4
#define NRSC 16
#define KC_MAX 256
#define NR_MAX 32
#define MR_MAX 16

/* apf: the packed A panel to fetch into the cache while this one is used (the same layout), or
 * NULL */
typedef void (*tile_fn)(int kc, const float *a, const float *b, int ldb, float *c, int ldc, int mr,
                        int w, int load_c, const float *apf);

typedef void (*pack_fn)(int kc, const float *b, int ldb, int w, float *slice);

/* dst[e] = sum_q c[q] * t[q*stride + e] (kk_gemm_combine) */
typedef void (*combine_fn)(float *restrict dst, const float *restrict t, size_t len, size_t stride,
                           const float *c, int taps);

typedef struct {
    int mr, nr;  /* register block */
    int kc;      /* K block: a kc x nr slice of B stays in L1 */
    int mc;      /* M block (a multiple of mr): an mc x kc block of packed A stays in L2 */
    tile_fn tile;
    pack_fn pack_b;
    int tile_fetches_a; /* the tile fetches apf itself; else the driver prefetches it */
    combine_fn combine;
} gemm_impl;

/* ---- portable kernel ---- */

/* Copy the kc x w block of B at b (row stride ldb) to slice, rows NR floats apart, zero-padded. */
static void pack_scalar(int kc, const float *b, int ldb, int w, float *slice)
{
    for (int k = 0; k < kc; k++)
        for (int j = 0; j < NRSC; j++)
            slice[k * NRSC + j] = j < w ? b[(size_t)k * ldb + j] : 0.0f;
}

static void tile_scalar(int kc, const float *a, const float *b, int ldb, float *c, int ldc, int mr,
                        int w, int load_c, const float *apf)
{
    (void)apf;
    float acc[MRSC][NRSC];
    for (int i = 0; i < MRSC; i++)
        for (int j = 0; j < NRSC; j++)
            acc[i][j] = (load_c && i < mr && j < w) ? c[(size_t)i * ldc + j] : 0.0f;
#pragma GCC unroll 4
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        for (int i = 0; i < MRSC; i++) {
            float ai = a[k * MRSC + i];
            for (int j = 0; j < w; j++)
                acc[i][j] += ai * bk[j];
        }
    }
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < w; j++)
            c[(size_t)i * ldc + j] = acc[i][j];
}

/* Combinations of rows: c[0] * t0, then one fused multiply-add per further tap, in q order. Every
 * kernel below does exactly these roundings (fmaf is the scalar form of the vector FMAs), so the
 * result does not depend on the ISA, the vector width or where an element falls. */
static void combine_scalar(float *restrict dst, const float *restrict t, size_t len, size_t stride,
                           const float *c, int taps)
{
    for (size_t e = 0; e < len; e++) {
        float a = c[0] * t[e];
        for (int q = 1; q < taps; q++)
            a = fmaf(c[q], t[(size_t)q * stride + e], a);
        dst[e] = a;
    }
}

#ifdef KK_GEMM_X86

/* ---- AVX-512F kernel ---- */

#define KK_T512 __attribute__((target("avx512f")))

/* NV = vectors of 16 columns (1 or 2); mask[v] selects the valid columns of vector v. With NV a
 * constant the loops unroll and the accumulators live in registers. */
KK_T512 static inline __attribute__((always_inline)) void
body512(const int NV, const int PF, int kc, const float *a, const float *b, int ldb, float *c,
        int ldc, int mr, const __mmask16 *mask, int load_c, const float *apf)
{
    __m512 acc[MR512][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR512; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = (load_c && i < mr)
                            ? _mm512_maskz_loadu_ps(mask[v], c + (size_t)i * ldc + 16 * v)
                            : _mm512_setzero_ps();
#pragma GCC unroll 4
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        const float *ak = a + (size_t)k * MR512;
        if (PF)
            __builtin_prefetch(apf + (size_t)k * MR512, 0, 3);
        __m512 bv[2];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            bv[v] = _mm512_load_ps(bk + 16 * v);
#pragma GCC unroll 12
        for (int i = 0; i < MR512; i++) {
            __m512 ai = _mm512_set1_ps(ak[i]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR512; i++)
        if (i < mr)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm512_mask_storeu_ps(c + (size_t)i * ldc + 16 * v, mask[v], acc[i][v]);
}

KK_T512 static void tile512(int kc, const float *a, const float *b, int ldb, float *c, int ldc,
                            int mr, int w, int load_c, const float *apf)
{
    __mmask16 mask[2];
    for (int v = 0; v < 2; v++) {
        int n = w - 16 * v;
        mask[v] = n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
    }
    if (w > 16)
        apf ? body512(2, 1, kc, a, b, ldb, c, ldc, mr, mask, load_c, apf)
            : body512(2, 0, kc, a, b, ldb, c, ldc, mr, mask, load_c, apf);
    else
        apf ? body512(1, 1, kc, a, b, ldb, c, ldc, mr, mask, load_c, apf)
            : body512(1, 0, kc, a, b, ldb, c, ldc, mr, mask, load_c, apf);
}

/* Inline vector copies let the loads of many rows be in flight at once (a memcpy call per row
 * cannot); the rows are spread out in memory and mostly come from L2 or L3. */
KK_T512 static void pack512(int kc, const float *b, int ldb, int w, float *slice)
{
    __mmask16 m0 = w >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << w) - 1);
    __mmask16 m1 = w >= 32 ? (__mmask16)0xffff : w <= 16 ? 0 : (__mmask16)((1u << (w - 16)) - 1);
    for (int k = 0; k < kc; k++) {
        const float *src = b + (size_t)k * ldb;
        _mm512_store_ps(slice + k * NR512, _mm512_maskz_loadu_ps(m0, src));
        _mm512_store_ps(slice + k * NR512 + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
}

__attribute__((target("avx512f,fma"))) static void
combine512(float *restrict dst, const float *restrict t, size_t len, size_t stride, const float *c,
           int taps)
{
    size_t e = 0;
    for (; e + 32 <= len; e += 32) {
        __m512 c0 = _mm512_set1_ps(c[0]);
        __m512 a0 = _mm512_mul_ps(c0, _mm512_loadu_ps(t + e));
        __m512 a1 = _mm512_mul_ps(c0, _mm512_loadu_ps(t + e + 16));
        for (int q = 1; q < taps; q++) {
            const float *tq = t + (size_t)q * stride + e;
            __m512 cq = _mm512_set1_ps(c[q]);
            a0 = _mm512_fmadd_ps(cq, _mm512_loadu_ps(tq), a0);
            a1 = _mm512_fmadd_ps(cq, _mm512_loadu_ps(tq + 16), a1);
        }
        _mm512_storeu_ps(dst + e, a0);
        _mm512_storeu_ps(dst + e + 16, a1);
    }
    combine_scalar(dst + e, t + e, len - e, stride, c, taps);
}

/* ---- AVX2 + FMA kernel ---- */

#define KK_T256 __attribute__((target("avx2,fma")))

KK_T256 static inline __attribute__((always_inline)) void
body256(const int NV, int kc, const float *a, const float *b, int ldb, float *c, int ldc, int mr,
        const __m256i *mask, int load_c)
{
    __m256 acc[MR256][2];
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = (load_c && i < mr)
                            ? _mm256_maskload_ps(c + (size_t)i * ldc + 8 * v, mask[v])
                            : _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        const float *ak = a + (size_t)k * MR256;
        __m256 bv[2];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            bv[v] = _mm256_load_ps(bk + 8 * v);
#pragma GCC unroll 6
        for (int i = 0; i < MR256; i++) {
            __m256 ai = _mm256_broadcast_ss(ak + i);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++)
        if (i < mr)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm256_maskstore_ps(c + (size_t)i * ldc + 8 * v, mask[v], acc[i][v]);
}

/* Full-width tiles skip the masked loads, which cost extra uops on AVX2. */
KK_T256 static inline __attribute__((always_inline)) void
full256(int kc, const float *a, const float *b, int ldb, float *c, int ldc, int mr, int load_c)
{
    __m256 acc[MR256][2];
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++)
#pragma GCC unroll 2
        for (int v = 0; v < 2; v++)
            acc[i][v] = (load_c && i < mr) ? _mm256_loadu_ps(c + (size_t)i * ldc + 8 * v)
                                           : _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * ldb;
        const float *ak = a + (size_t)k * MR256;
        __m256 b0 = _mm256_load_ps(bk), b1 = _mm256_load_ps(bk + 8);
#pragma GCC unroll 6
        for (int i = 0; i < MR256; i++) {
            __m256 ai = _mm256_broadcast_ss(ak + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < MR256; i++)
        if (i < mr) {
            _mm256_storeu_ps(c + (size_t)i * ldc, acc[i][0]);
            _mm256_storeu_ps(c + (size_t)i * ldc + 8, acc[i][1]);
        }
}

KK_T256 static void tile256(int kc, const float *a, const float *b, int ldb, float *c, int ldc,
                            int mr, int w, int load_c, const float *apf)
{
    (void)apf;
    if (w == NR256) {
        full256(kc, a, b, ldb, c, ldc, mr, load_c);
        return;
    }
    __m256i mask[2];
    for (int v = 0; v < 2; v++) {
        int n = w - 8 * v;
        mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    if (w > 8)
        body256(2, kc, a, b, ldb, c, ldc, mr, mask, load_c);
    else
        body256(1, kc, a, b, ldb, c, ldc, mr, mask, load_c);
}

KK_T256 static void pack256(int kc, const float *b, int ldb, int w, float *slice)
{
    if (w == NR256) {
        for (int k = 0; k < kc; k++) {
            const float *src = b + (size_t)k * ldb;
            _mm256_store_ps(slice + k * NR256, _mm256_loadu_ps(src));
            _mm256_store_ps(slice + k * NR256 + 8, _mm256_loadu_ps(src + 8));
        }
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(w), lane);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(w - 8), lane);
    for (int k = 0; k < kc; k++) {
        const float *src = b + (size_t)k * ldb;
        _mm256_store_ps(slice + k * NR256, _mm256_maskload_ps(src, m0));
        _mm256_store_ps(slice + k * NR256 + 8, _mm256_maskload_ps(src + 8, m1));
    }
}

KK_T256 static void combine256(float *restrict dst, const float *restrict t, size_t len,
                               size_t stride, const float *c, int taps)
{
    size_t e = 0;
    for (; e + 16 <= len; e += 16) {
        __m256 c0 = _mm256_set1_ps(c[0]);
        __m256 a0 = _mm256_mul_ps(c0, _mm256_loadu_ps(t + e));
        __m256 a1 = _mm256_mul_ps(c0, _mm256_loadu_ps(t + e + 8));
        for (int q = 1; q < taps; q++) {
            const float *tq = t + (size_t)q * stride + e;
            __m256 cq = _mm256_set1_ps(c[q]);
            a0 = _mm256_fmadd_ps(cq, _mm256_loadu_ps(tq), a0);
            a1 = _mm256_fmadd_ps(cq, _mm256_loadu_ps(tq + 8), a1);
        }
        _mm256_storeu_ps(dst + e, a0);
        _mm256_storeu_ps(dst + e + 8, a1);
    }
    combine_scalar(dst + e, t + e, len - e, stride, c, taps);
}

#endif /* KK_GEMM_X86 */

/* Every impl's kc below is at least KK_GEMM_KC_MIN (gemm.h promises in-place products on it). */
static const gemm_impl *impl_of(kk_gemm_isa_t isa)
{
    static const gemm_impl scalar = {MRSC, NRSC, 256, 128, tile_scalar, pack_scalar, 0,
                                     combine_scalar};
#ifdef KK_GEMM_X86
    static const gemm_impl avx512 = {MR512, NR512, 256, 516, tile512, pack512, 1, combine512};
    static const gemm_impl avx2 = {MR256, NR256, 256, 240, tile256, pack256, 0, combine256};
    if (isa == KK_GEMM_AVX512)
        return &avx512;
    if (isa == KK_GEMM_AVX2)
        return &avx2;
#endif
    return &scalar;
}

int kk_gemm_isa_supported(kk_gemm_isa_t isa)
{
#ifdef KK_GEMM_X86
    __builtin_cpu_init();
    if (isa == KK_GEMM_AVX512)
        return __builtin_cpu_supports("avx512f");
    if (isa == KK_GEMM_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == KK_GEMM_SCALAR;
}

kk_gemm_isa_t kk_gemm_isa(void)
{
    /* A cache of a pure function of the CPU and the environment: racing first calls store the
     * same value. */
    static atomic_int chosen = -1;
    int isa = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (isa >= 0)
        return (kk_gemm_isa_t)isa;
    const char *env = getenv("KOKORO_GEMM_ISA");
    int cap = KK_GEMM_AVX512;
    if (env && strcmp(env, "avx2") == 0)
        cap = KK_GEMM_AVX2;
    else if (env && strcmp(env, "scalar") == 0)
        cap = KK_GEMM_SCALAR;
    isa = KK_GEMM_SCALAR;
    for (int cand = cap; cand > KK_GEMM_SCALAR; cand--)
        if (kk_gemm_isa_supported((kk_gemm_isa_t)cand)) {
            isa = cand;
            break;
        }
    atomic_store_explicit(&chosen, isa, memory_order_relaxed);
    return (kk_gemm_isa_t)isa;
}

int kk_gemm_panel_rows_isa(kk_gemm_isa_t isa) { return impl_of(isa)->mr; }

size_t kk_gemm_packed_floats_isa(kk_gemm_isa_t isa, int M, int K)
{
    int mr = impl_of(isa)->mr;
    if (M <= 0 || K <= 0)
        return 0;
    return (size_t)((M + mr - 1) / mr) * (size_t)mr * (size_t)K;
}

void kk_gemm_pack_isa(kk_gemm_isa_t isa, const float *A, int lda, int M, int K, float *packed)
{
    kk_gemm_pack_strided_isa(isa, A, lda, 1, M, K, packed);
}

void kk_gemm_pack_strided_isa(kk_gemm_isa_t isa, const float *A, int lda, int inc, int M, int K,
                              float *packed)
{
    const gemm_impl *im = impl_of(isa);
    const int mr = im->mr;
    if (M <= 0 || K <= 0)
        return;
    const size_t mpad = (size_t)((M + mr - 1) / mr) * (size_t)mr;
    for (int pc = 0; pc < K; pc += im->kc) {
        int kc = K - pc < im->kc ? K - pc : im->kc;
        float *block = packed + (size_t)pc * mpad;
        for (int p0 = 0; p0 < M; p0 += mr) {
            float *panel = block + (size_t)p0 * kc;
            /* column by column: each write is a contiguous run of mr, the reads mr sequential
             * streams (row by row, every write would land mr floats from the last) */
            const float *src[MR_MAX];
            int rows = M - p0 < mr ? M - p0 : mr;
            for (int r = 0; r < rows; r++)
                src[r] = A + (size_t)(p0 + r) * lda + (size_t)pc * inc;
            for (int k = 0; k < kc; k++) {
                float *dst = panel + (size_t)k * mr;
                size_t off = (size_t)k * inc;
                for (int r = 0; r < rows; r++)
                    dst[r] = src[r][off];
                for (int r = rows; r < mr; r++)
                    dst[r] = 0.0f;
            }
        }
    }
}

/*
 * Combinations of taps, packed. Work units are slices of a panel: `sw` columns of one K block,
 * whose part of any plane (or tap) in the packed layout is one contiguous run of sw*mr floats.
 * A unit packs that slice of every tap into a stack buffer (L1), then writes the slice of every
 * plane from it.
 */
#define KK_COMBO_FLOATS 8192 /* the taps' slice on the stack: 32 KB */

static int combo_width(const gemm_impl *im, int taps)
{
    int sw = KK_COMBO_FLOATS / (taps * im->mr);
    return sw < 1 ? 1 : sw;
}

int kk_gemm_combo_units_isa(kk_gemm_isa_t isa, int M, int K, int taps)
{
    const gemm_impl *im = impl_of(isa);
    int sw = combo_width(im, taps), panels = (M + im->mr - 1) / im->mr, units = 0;
    for (int pc = 0; pc < K; pc += im->kc) {
        int kc = K - pc < im->kc ? K - pc : im->kc;
        units += panels * ((kc + sw - 1) / sw);
    }
    return units;
}

void kk_gemm_combine(float *dst, const float *taps_rows, size_t len, size_t stride,
                     const float *coef, int taps)
{
    impl_of(kk_gemm_isa())->combine(dst, taps_rows, len, stride, coef, taps);
}

void kk_gemm_pack_combos_isa(kk_gemm_isa_t isa, const float *W, int M, int K, int taps,
                             const float *coef, int P, const int *pairs, int S, float *planes,
                             size_t plane_stride, int u0, int u1)
{
    const gemm_impl *im = impl_of(isa);
    const int mr = im->mr, sw = combo_width(im, taps), panels = (M + mr - 1) / mr;
    const size_t mpad = (size_t)panels * (size_t)mr;
    float t[KK_COMBO_FLOATS];
    int u = 0;
    for (int pc = 0; pc < K && u < u1; pc += im->kc) {
        int kc = K - pc < im->kc ? K - pc : im->kc, slices = (kc + sw - 1) / sw;
        for (int pn = 0; pn < panels && u < u1; pn++)
            for (int sl = 0; sl < slices && u < u1; sl++, u++) {
                if (u < u0)
                    continue;
                int k0 = sl * sw, w = kc - k0 < sw ? kc - k0 : sw, len = w * mr;
                int p0 = pn * mr, rows = M - p0 < mr ? M - p0 : mr;
                /* tap q's slice: [k][r] = W[p0 + r][pc + k0 + k][q], rows past M zero */
                for (int r = 0; r < mr; r++)
                    for (int q = 0; q < taps; q++) {
                        float *dst = t + (size_t)q * len + r;
                        if (r >= rows) {
                            for (int k = 0; k < w; k++)
                                dst[(size_t)k * mr] = 0.0f;
                            continue;
                        }
                        const float *src = W + ((size_t)(p0 + r) * K + pc + k0) * taps + q;
                        for (int k = 0; k < w; k++)
                            dst[(size_t)k * mr] = src[(size_t)k * taps];
                    }
                size_t at = (size_t)pc * mpad + (size_t)p0 * kc + (size_t)k0 * mr;
                for (int pl = 0; pl < P; pl++) {
                    im->combine(planes + pl * plane_stride + at, t, (size_t)len, (size_t)len,
                                coef + (size_t)pl * taps, taps);
                    /* each sum as soon as its second operand is made: both slices still in L1 */
                    for (int sm = 0; sm < S; sm++) {
                        int a = pairs[2 * sm], b = pairs[2 * sm + 1];
                        if ((a > b ? a : b) == pl)
                            kk_gemm_add_rows(planes + (P + sm) * plane_stride + at,
                                             planes + a * plane_stride + at,
                                             planes + b * plane_stride + at, (size_t)len);
                    }
                }
            }
    }
}

int kk_gemm_combo_units(int M, int K, int taps)
{
    return kk_gemm_combo_units_isa(kk_gemm_isa(), M, K, taps);
}

void kk_gemm_pack_combos(const float *W, int M, int K, int taps, const float *coef, int P,
                         const int *pairs, int S, float *planes, size_t plane_stride, int u0,
                         int u1)
{
    kk_gemm_pack_combos_isa(kk_gemm_isa(), W, M, K, taps, coef, P, pairs, S, planes, plane_stride,
                            u0, u1);
}

void kk_gemm_add_rows(float *restrict dst, const float *a, const float *b, size_t len)
{
    for (size_t e = 0; e < len; e++)
        dst[e] = a[e] + b[e];
}

static size_t bpack_floats(const gemm_impl *im, int N, int K)
{
    return (size_t)((N + im->nr - 1) / im->nr) * (size_t)K * (size_t)im->nr;
}

/* slice[k][j] += b2[k][j] for j < w: the second operand of a packed sum (kk_gemm_packed_sum),
 * one rounding per element, the same as adding the two rows beforehand. */
static void add_b(int kc, const float *restrict b2, int ldb, int w, int nr, float *restrict slice)
{
    for (int k = 0; k < kc; k++)
        for (int j = 0; j < w; j++)
            slice[(size_t)k * nr + j] += b2[(size_t)k * ldb + j];
}

static void packed_rows(const gemm_impl *im, int M, int m0, int m1, int N, int K,
                        const float *packed, const float *B, const float *B2, int ldb, float *C,
                        int ldc, int accumulate, float *bbuf)
{
    if (m1 <= m0 || N <= 0)
        return;
    if (K <= 0) {
        if (!accumulate)
            for (int i = m0; i < m1; i++)
                memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    const int mr = im->mr, nr = im->nr;
    /* M blocks of about equal size, each at most 1.5 times the nominal one: a last block of a
     * few rows would stream all of B again for little work. */
    int nblocks = (m1 - m0 + im->mc / 2) / im->mc;
    if (nblocks < 1)
        nblocks = 1;
    int mc = (m1 - m0 + nblocks - 1) / nblocks;
    mc = (mc + mr - 1) / mr * mr;
    const size_t mpad = (size_t)((M + mr - 1) / mr) * (size_t)mr;
    /* B is copied into slices of nr columns, contiguous and zero-padded to nr: read in place,
     * its rows (ldb apart) would share a few cache sets whenever ldb is a multiple of a large power
     * of two, the hardware prefetchers would not follow them, and tail tiles would need masked
     * loads. The whole of B is copied once, during the first M block, into a transient buffer
     * (slice s is a [K][nr] array at s*K*nr) that later M blocks read back. Should that buffer
     * not be available, each kc x nr slice is copied again for every M block into a stack buffer
     * (slower, same results). */
    size_t bbytes = bpack_floats(im, N, K) * sizeof(float);
    float *bpack = NULL;
    if (m1 - m0 > mc) /* the caller's buffer (64-byte aligned within its slack), else malloc'd */
        bpack = bbuf ? (float *)(((uintptr_t)bbuf + 63) & ~(uintptr_t)63)
                     : aligned_alloc(64, (bbytes + 63) & ~(size_t)63);
    _Alignas(64) float bslice[KC_MAX * NR_MAX];
    for (int ic = m0; ic < m1; ic += mc) {
        int iend = m1 - ic < mc ? m1 : ic + mc;
        for (int pc = 0; pc < K; pc += im->kc) {
            int kc = K - pc < im->kc ? K - pc : im->kc;
            int load_c = accumulate || pc > 0;
            for (int jc = 0; jc < N; jc += nr) {
                int w = N - jc < nr ? N - jc : nr;
                float *bs = bslice;
                if (bpack)
                    bs = bpack + (size_t)(jc / nr) * K * nr + (size_t)pc * nr;
                if (!bpack || ic == m0) {
                    im->pack_b(kc, B + (size_t)pc * ldb + jc, ldb, w, bs);
                    if (B2)
                        add_b(kc, B2 + (size_t)pc * ldb + jc, ldb, w, nr, bs);
                }
                /* The next packed slice (same K block, next columns), fetched from L3 into L2
                 * a share per tile, so its first tile does not wait for it. */
                const char *next = NULL;
                size_t next_lines = 0, tiles = (size_t)((iend - ic + mr - 1) / mr), t = 0;
                if (bpack && ic > m0 && jc + nr < N) {
                    next = (const char *)(bs + (size_t)K * nr);
                    next_lines = (size_t)kc * nr * sizeof(float) / 64;
                }
                for (int ir = ic; ir < iend; ir += mr, t++) {
                    int rows = iend - ir < mr ? iend - ir : mr;
                    for (size_t l = t * next_lines / tiles; l < (t + 1) * next_lines / tiles; l++)
                        __builtin_prefetch(next + 64 * l, 0, 2);
                    /* C of the next tile, which the kernel loads first thing. */
                    if (load_c && ir + mr < iend)
                        for (int i = ir + mr; i < ir + 2 * mr && i < iend; i++) {
                            const float *cn = C + (size_t)i * ldc + jc;
                            __builtin_prefetch(cn);
                            __builtin_prefetch(cn + w - 1);
                        }
                    const float *a = packed + (size_t)pc * mpad + (size_t)ir * kc;
                    /* The first pass over the columns streams packed A from memory (for small N
                     * each panel carries little work), the panel after next fetched ahead: by
                     * the AVX-512 kernel a line at a time as it works on this one (a burst of
                     * prefetches before it stalls on the line fill buffers), else here. */
                    const float *apf = jc == 0 && ir + 2 * mr < iend ? a + (size_t)2 * mr * kc
                                                                     : NULL;
                    if (apf && !im->tile_fetches_a)
                        for (size_t l = 0; l < (size_t)mr * kc * sizeof(float) / 64; l++)
                            __builtin_prefetch((const char *)apf + 64 * l, 0, 2);
                    im->tile(kc, a, bs, nr, C + (size_t)ir * ldc + jc, ldc, rows, w, load_c, apf);
                }
            }
        }
    }
    if (!bbuf)
        free(bpack);
}

void kk_gemm_packed_rows_isa(kk_gemm_isa_t isa, int M, int m0, int m1, int N, int K,
                             const float *packed, const float *B, int ldb, float *C, int ldc,
                             int accumulate)
{
    packed_rows(impl_of(isa), M, m0, m1, N, K, packed, B, NULL, ldb, C, ldc, accumulate, NULL);
}

size_t kk_gemm_bpack_floats(int N, int K)
{
    return bpack_floats(impl_of(kk_gemm_isa()), N, K) + 16;
}

void kk_gemm_packed_rows_buf(int M, int m0, int m1, int N, int K, const float *packed,
                             const float *B, int ldb, float *C, int ldc, int accumulate,
                             float *bbuf)
{
    packed_rows(impl_of(kk_gemm_isa()), M, m0, m1, N, K, packed, B, NULL, ldb, C, ldc,
                accumulate, bbuf);
}

void kk_gemm_packed_sum(int M, int N, int K, const float *packed, const float *B, const float *B2,
                        int ldb, float *C, int ldc, int accumulate)
{
    packed_rows(impl_of(kk_gemm_isa()), M, 0, M, N, K, packed, B, B2, ldb, C, ldc, accumulate,
                NULL);
}

int kk_gemm_panel_rows(void) { return kk_gemm_panel_rows_isa(kk_gemm_isa()); }

size_t kk_gemm_packed_floats(int M, int K) { return kk_gemm_packed_floats_isa(kk_gemm_isa(), M, K); }

void kk_gemm_pack(const float *A, int lda, int M, int K, float *packed)
{
    kk_gemm_pack_isa(kk_gemm_isa(), A, lda, M, K, packed);
}

void kk_gemm_pack_strided(const float *A, int lda, int inc, int M, int K, float *packed)
{
    kk_gemm_pack_strided_isa(kk_gemm_isa(), A, lda, inc, M, K, packed);
}

void kk_gemm_packed_rows(int M, int m0, int m1, int N, int K, const float *packed, const float *B,
                         int ldb, float *C, int ldc, int accumulate)
{
    kk_gemm_packed_rows_isa(kk_gemm_isa(), M, m0, m1, N, K, packed, B, ldb, C, ldc, accumulate);
}

void kk_gemm_packed(int M, int N, int K, const float *packed, const float *B, int ldb, float *C,
                    int ldc, int accumulate)
{
    kk_gemm_packed_rows(M, 0, M, N, K, packed, B, ldb, C, ldc, accumulate);
}
