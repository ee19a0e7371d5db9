/*
 * gemm_bf16 — bf16 x bf16 -> float32 GEMM on a pre-packed A (see gemm_bf16.h).
 *
 * Same design as nn/gemm.c: the micro-kernel keeps a 12 x 32 block of C in 24 zmm registers; per
 * pair of k values it loads the 32 columns of both rows of the B slice as two vectors of 16
 * interleaved (row 2q, row 2q+1) bf16 pairs, broadcasts each A row's pair as one 32-bit value, and
 * vdpbf16ps adds both products to each float32 lane: 32 multiply-adds per instruction against
 * 16 for a float32 FMA, and half the bytes of A and B to move.
 *
 * B is rounded to bf16 while it is copied into kc x 32 slices in that interleaved layout
 * (vcvtne2ps2bf16 then a word permute), so callers keep passing float32 activations. The copy is
 * 1/(2M) of the work as in the float32 kernel.
 *
 * Summation order: KC is fixed, so every C element is the old C (or zero) followed by the K
 * blocks in order, each block's pairs in order, whatever rows or columns a call covers.
 */
#include "nn/gemm_bf16.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KK_BF16_X86 1
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

#define MR 12
#define NR 32
#define KC 256 /* k values per K block (even): a 128-pair x 32 bf16 slice of B is 16 KiB */
#define MC 516 /* rows per M block: its 516 x 256 bf16 part of packed A (258 KiB) stays in L2 */

kk_bf16 kk_bf16_from_float(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u) /* inf stays inf; NaN stays a (quiet) NaN */
        return (kk_bf16)((u >> 16) | ((u & 0x007fffffu) ? 0x0040u : 0u));
    if ((u & 0x7f800000u) == 0) /* zero or subnormal: signed zero */
        return (kk_bf16)((u >> 16) & 0x8000u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (kk_bf16)(u >> 16);
}

float kk_bf16_to_float(kk_bf16 h)
{
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ---- portable loop (tests, non-x86) ---- */

/* slice [kc2][NR][2]: B rows k0 + 2q + t, columns j < w, rounded; zero elsewhere */
static void pack_b_scalar(int kc, const float *b, int ldb, int w, kk_bf16 *slice)
{
    int kc2 = (kc + 1) / 2;
    for (int q = 0; q < kc2; q++)
        for (int j = 0; j < NR; j++)
            for (int t = 0; t < 2; t++) {
                int k = 2 * q + t;
                slice[((size_t)q * NR + j) * 2 + t] =
                    (k < kc && j < w) ? kk_bf16_from_float(b[(size_t)k * ldb + j]) : 0;
            }
}

static void tile_scalar(int kc, const kk_bf16 *a, const kk_bf16 *b, float *c, int ldc, int mr,
                        int w, int load_c)
{
    int kc2 = (kc + 1) / 2;
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < w; j++) {
            float acc = load_c ? c[(size_t)i * ldc + j] : 0.0f;
            for (int q = 0; q < kc2; q++) {
                const kk_bf16 *ap = a + ((size_t)q * MR + i) * 2, *bp = b + ((size_t)q * NR + j) * 2;
                acc += kk_bf16_to_float(ap[0]) * kk_bf16_to_float(bp[0]);
                acc += kk_bf16_to_float(ap[1]) * kk_bf16_to_float(bp[1]);
            }
            c[(size_t)i * ldc + j] = acc;
        }
}

#ifdef KK_BF16_X86

#define KK_TBF16 __attribute__((target("avx512f,avx512bw,avx512bf16")))

/* Word permutation that interleaves the low 16 bf16 (row 2q) with the high 16 (row 2q+1). */
KK_TBF16 static inline __m512i interleave_index(void)
{
    return _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                            22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
}

/* slice [kc2][32][2] from B rows < kv (of kc, kv <= kc; rows kv .. kc-1 are zero). */
KK_TBF16 static void pack_b_rows(int kc, int kv, const float *b, int ldb, int w, kk_bf16 *slice)
{
    const __m512i idx = interleave_index();
    __mmask16 m[2];
    for (int v = 0; v < 2; v++) {
        int n = w - 16 * v;
        m[v] = n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
    }
    int kc2 = (kc + 1) / 2;
    for (int q = 0; q < kc2; q++) {
        const float *r0 = b + (size_t)(2 * q) * ldb, *r1 = r0 + ldb;
        int has0 = 2 * q < kv, has1 = 2 * q + 1 < kv;
        for (int v = 0; v < 2; v++) {
            __m512 x0 = has0 ? _mm512_maskz_loadu_ps(m[v], r0 + 16 * v) : _mm512_setzero_ps();
            __m512 x1 = has1 ? _mm512_maskz_loadu_ps(m[v], r1 + 16 * v) : _mm512_setzero_ps();
            __m512i both = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
            _mm512_store_si512((void *)(slice + ((size_t)q * NR + 16 * v) * 2),
                               _mm512_permutexvar_epi16(idx, both));
        }
    }
}

KK_TBF16 static void pack_b_avx512(int kc, const float *b, int ldb, int w, kk_bf16 *slice)
{
    pack_b_rows(kc, kc, b, ldb, w, slice);
}

/* NV = vectors of 16 columns (1 or 2), a constant after inlining. */
KK_TBF16 static inline __attribute__((always_inline)) void
body_avx512(const int NV, int kc2, const kk_bf16 *a, const kk_bf16 *b, float *c, int ldc, int mr,
            const __mmask16 *mask, int load_c)
{
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = (load_c && i < mr)
                            ? _mm512_maskz_loadu_ps(mask[v], c + (size_t)i * ldc + 16 * v)
                            : _mm512_setzero_ps();
#pragma GCC unroll 4
    for (int q = 0; q < kc2; q++) {
        const kk_bf16 *bq = b + (size_t)q * NR * 2;
        const kk_bf16 *aq = a + (size_t)q * MR * 2;
        __m512bh bv[2];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            bv[v] = (__m512bh)_mm512_load_si512((const void *)(bq + 32 * v));
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            int32_t pair;
            memcpy(&pair, aq + 2 * i, sizeof pair);
            __m512bh ai = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm512_dpbf16_ps(acc[i][v], ai, bv[v]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++)
        if (i < mr)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm512_mask_storeu_ps(c + (size_t)i * ldc + 16 * v, mask[v], acc[i][v]);
}

KK_TBF16 static void tile_avx512(int kc, const kk_bf16 *a, const kk_bf16 *b, float *c, int ldc,
                                 int mr, int w, int load_c)
{
    __mmask16 mask[2];
    for (int v = 0; v < 2; v++) {
        int n = w - 16 * v;
        mask[v] = n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
    }
    int kc2 = (kc + 1) / 2;
    if (w > 16)
        body_avx512(2, kc2, a, b, c, ldc, mr, mask, load_c);
    else
        body_avx512(1, kc2, a, b, c, ldc, mr, mask, load_c);
}

/* ---- AMX-BF16 kernel ----
 *
 * Tiles: C in four 16 x 16 float32 tiles (a 32 x 32 block, tmm0-3), A two 16-row x 32-k tiles
 * (tmm4-5), B two 16-pair x 16-column tiles (tmm6-7) read straight from the 32-column slice the
 * AVX-512 packing makes (row stride 128 bytes). Each C block runs over segments of AMX_KSEG k
 * values in the tiles, each segment's sum then added to C: C = ((accumulate ? C : 0) + A B[seg 0])
 * + A B[seg 1] ..., the same order for every block whatever the rows or columns of a call.
 * A is packed per ISA: 16-row groups, each a run of [32 rows' k chunk] tiles of 16 x 32 bf16.
 */

#define AMX_K 32     /* k values per tile step */
#define AMX_KSEG 512 /* k values per pass of the C tiles (fixed: it sets the summation order) */

#define KK_TAMX __attribute__((target("avx512f,avx512bw,avx512bf16,amx-tile,amx-bf16")))

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_config;

KK_TAMX static void amx_block(int nchunks, const kk_bf16 *a0, const kk_bf16 *a1,
                              const kk_bf16 *bs, float *cbuf)
{
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int c = 0; c < nchunks; c++) {
        const kk_bf16 *b = bs + (size_t)c * (AMX_K / 2) * NR * 2;
        _tile_loadd(4, a0 + (size_t)c * 16 * AMX_K, AMX_K * 2);
        _tile_loadd(5, a1 + (size_t)c * 16 * AMX_K, AMX_K * 2);
        _tile_loadd(6, b, NR * 2 * 2);
        _tile_loadd(7, b + 32, NR * 2 * 2);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, cbuf, NR * 4);
    _tile_stored(1, cbuf + 16, NR * 4);
    _tile_stored(2, cbuf + 16 * NR, NR * 4);
    _tile_stored(3, cbuf + 16 * NR + 16, NR * 4);
}

/* C rows [0, rows) x columns [0, w) = (load_c ? C : 0) + cbuf */
KK_TAMX static void amx_store(const float *cbuf, float *c, int ldc, int rows, int w, int load_c)
{
    __mmask16 m[2];
    for (int v = 0; v < 2; v++) {
        int n = w - 16 * v;
        m[v] = n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < 2; v++) {
            float *ci = c + (size_t)i * ldc + 16 * v;
            __m512 x = _mm512_load_ps(cbuf + i * NR + 16 * v);
            if (load_c)
                x = _mm512_add_ps(_mm512_maskz_loadu_ps(m[v], ci), x);
            _mm512_mask_storeu_ps(ci, m[v], x);
        }
}

KK_TAMX static void gemm_amx(int M, int m0, int m1, int N, int K, const kk_bf16 *packed,
                             const float *B, int ldb, float *C, int ldc, int accumulate)
{
    const int chunks = (K + AMX_K - 1) / AMX_K; /* of the packed A's rows */
    (void)M;
    /* one slice of B: AMX_KSEG k values (AMX_KSEG/2 pairs) x 32 columns */
    _Alignas(64) kk_bf16 bs[AMX_KSEG * NR];
    _Alignas(64) float cbuf[32 * NR];
    amx_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = 16;
        cfg.colsb[t] = 64;
    }
    _tile_loadconfig(&cfg);
    for (int jc = 0; jc < N; jc += NR) {
        int w = N - jc < NR ? N - jc : NR;
        for (int k0 = 0; k0 < K; k0 += AMX_KSEG) {
            int kl = K - k0 < AMX_KSEG ? K - k0 : AMX_KSEG, n = (kl + AMX_K - 1) / AMX_K;
            pack_b_rows(n * AMX_K, kl, B + (size_t)k0 * ldb + jc, ldb, w, bs);
            for (int ir = m0; ir < m1; ir += 32) {
                int rows = m1 - ir < 32 ? m1 - ir : 32;
                const kk_bf16 *a0 =
                    packed + ((size_t)(ir / 16) * chunks + k0 / AMX_K) * 16 * AMX_K;
                amx_block(n, a0, a0 + (size_t)chunks * 16 * AMX_K, bs, cbuf);
                amx_store(cbuf, C + (size_t)ir * ldc + jc, ldc, rows, w, accumulate || k0 > 0);
            }
        }
    }
    /* give the tile state back, so the kernel need not save it on context switches */
    _tile_release();
}

/* pack_amx's layout by vcvtne2ps2bf16: the same rounding as kk_bf16_from_float (RNE, subnormals
 * to zero), 32 values per instruction; the bf16 planes made per call are packed by it. */
KK_TBF16 static void pack_amx_avx512(const float *A, int lda, int M, int K, kk_bf16 *packed)
{
    int chunks = (K + 31) / 32, groups = (M + 31) / 32 * 2;
    for (int g = 0; g < groups; g++)
        for (int c = 0; c < chunks; c++) {
            kk_bf16 *t = packed + ((size_t)g * chunks + c) * 512;
            int n = K - c * 32;
            __mmask16 m0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
            __mmask16 m1 = n >= 32 ? (__mmask16)0xffff : n <= 16 ? 0 : (__mmask16)((1u << (n - 16)) - 1);
            for (int r = 0; r < 16; r++) {
                int row = g * 16 + r;
                __m512i v = _mm512_setzero_si512();
                if (row < M) {
                    const float *src = A + (size_t)row * lda + c * 32;
                    v = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m1, src + 16),
                                                     _mm512_maskz_loadu_ps(m0, src));
                }
                _mm512_storeu_si512((void *)(t + r * 32), v);
            }
        }
}

/* Seconds for `iters` rounds of 12 independent vdpbf16ps (bf16 = 1) or FMAs on zmm registers:
 * the issue rate, which is what differs between CPUs (a quarter of the FMA's on Sapphire Rapids,
 * about the FMA's on AMD Zen 4/5). */
KK_TBF16 __attribute__((noinline)) static double issue_seconds(int bf16, int iters)
{
    __m512 acc[12];
    for (int i = 0; i < 12; i++)
        acc[i] = _mm512_set1_ps((float)i);
    const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80), b = a;
    const __m512 fa = _mm512_set1_ps(1.0f), fb = _mm512_set1_ps(0.0f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int n = 0; n < iters; n++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            acc[i] = bf16 ? _mm512_dpbf16_ps(acc[i], a, b) : _mm512_fmadd_ps(acc[i], fa, fb);
        /* keep the accumulators in registers and the loop from being folded */
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]),
                         "+v"(acc[4]), "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]),
                         "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

/* Whether vdpbf16ps (32 multiply-adds) beats the float32 FMA (16) by a clear margin here: best
 * of five ~0.1 ms runs each. The two rates found so far differ by 8x, so noise cannot flip this. */
static int dot_pays(void)
{
    if (!kk_gemm_bf16_isa_supported(KK_BF16_AVX512))
        return 0;
    double tb = 1e9, tf = 1e9;
    for (int r = 0; r < 5; r++) {
        double b = issue_seconds(1, 4000), f = issue_seconds(0, 4000);
        tb = b < tb ? b : tb;
        tf = f < tf ? f : tf;
    }
    return 32.0 / tb >= 1.3 * (16.0 / tf);
}

static int amx_permitted(void)
{
    /* Linux enables AMX tile data per process on request; 0x1023 = ARCH_REQ_XCOMP_PERM,
     * 18 = XFEATURE_XTILEDATA. Fails on kernels or hypervisors without AMX support. */
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
}

#endif /* KK_BF16_X86 */

static int packs_amx(kk_bf16_isa_t isa)
{
    return isa == KK_BF16_AMX;
}

int kk_gemm_bf16_isa_supported(kk_bf16_isa_t isa)
{
#ifdef KK_BF16_X86
    __builtin_cpu_init();
    int bf16 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512bf16");
    if (isa == KK_BF16_AVX512)
        return bf16;
    if (isa == KK_BF16_AMX) {
        unsigned a, b, c, d;
        /* CPUID.(7,0):EDX bit 22 AMX-BF16, bit 24 AMX-TILE */
        if (!bf16 || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 22)) ||
            !(d & (1u << 24)))
            return 0;
        return amx_permitted();
    }
#endif
    return isa == KK_BF16_NONE;
}

kk_bf16_isa_t kk_gemm_bf16_isa(void)
{
    /* decided once per process from the CPU, a measurement and the environment */
    static atomic_int chosen = -1;
    int isa = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (isa >= 0)
        return (kk_bf16_isa_t)isa;
    const char *env = getenv("KOKORO_GEMM_BF16");
    int cap = KK_BF16_AMX;
    if (env && strcmp(env, "off") == 0)
        cap = KK_BF16_NONE;
    else if (env && strcmp(env, "avx512") == 0)
        cap = KK_BF16_AVX512;
    isa = KK_BF16_NONE;
    if (kk_gemm_isa() == KK_GEMM_AVX512)
        for (int cand = cap; cand > KK_BF16_NONE; cand--)
            if (kk_gemm_bf16_isa_supported((kk_bf16_isa_t)cand)) {
                isa = cand;
                break;
            }
#ifdef KK_BF16_X86
    /* AVX512-BF16 alone only where it measures faster than float32, unless asked for by name */
    if (isa == KK_BF16_AVX512 && cap != KK_BF16_AVX512 && !dot_pays())
        isa = KK_BF16_NONE;
#endif
    /* the first decision stands: a timing could differ between racing first calls */
    int expected = -1;
    if (!atomic_compare_exchange_strong(&chosen, &expected, isa))
        isa = expected;
    return (kk_bf16_isa_t)isa;
}

int kk_gemm_bf16_dot_pays(void)
{
#ifdef KK_BF16_X86
    return dot_pays();
#else
    return 0;
#endif
}

int kk_gemm_bf16_native(void) { return kk_gemm_bf16_isa() != KK_BF16_NONE; }

int kk_gemm_bf16_panel_rows_isa(kk_bf16_isa_t isa) { return packs_amx(isa) ? 32 : MR; }

int kk_gemm_bf16_panel_rows(void) { return kk_gemm_bf16_panel_rows_isa(kk_gemm_bf16_isa()); }

size_t kk_gemm_bf16_packed_elems_isa(kk_bf16_isa_t isa, int M, int K)
{
    if (M <= 0 || K <= 0)
        return 0;
    if (packs_amx(isa))
        return (size_t)((M + 31) / 32) * 32 * (size_t)((K + 31) / 32) * 32;
    return (size_t)((M + MR - 1) / MR) * MR * (size_t)(K + (K & 1));
}

size_t kk_gemm_bf16_packed_elems(int M, int K)
{
    return kk_gemm_bf16_packed_elems_isa(kk_gemm_bf16_isa(), M, K);
}

/* AMX layout: 16-row group g, k chunk c (32 values) at (g * chunks + c) * 512, [16][32]. */
static void pack_amx(const float *A, int lda, int M, int K, kk_bf16 *packed)
{
    int chunks = (K + 31) / 32, groups = (M + 31) / 32 * 2;
    for (int g = 0; g < groups; g++)
        for (int c = 0; c < chunks; c++) {
            kk_bf16 *t = packed + ((size_t)g * chunks + c) * 512;
            for (int r = 0; r < 16; r++) {
                int row = g * 16 + r;
                for (int kk = 0; kk < 32; kk++) {
                    int k = c * 32 + kk;
                    t[r * 32 + kk] =
                        row < M && k < K ? kk_bf16_from_float(A[(size_t)row * lda + k]) : 0;
                }
            }
        }
}

void kk_gemm_bf16_pack_isa(kk_bf16_isa_t isa, const float *A, int lda, int M, int K,
                           kk_bf16 *packed)
{
    if (M <= 0 || K <= 0)
        return;
    if (packs_amx(isa)) {
#ifdef KK_BF16_X86
        if (kk_gemm_bf16_isa_supported(KK_BF16_AVX512)) {
            pack_amx_avx512(A, lda, M, K, packed);
            return;
        }
#endif
        pack_amx(A, lda, M, K, packed);
        return;
    }
    const size_t mpad = (size_t)((M + MR - 1) / MR) * MR;
    for (int pc = 0; pc < K; pc += KC) {
        int kc = K - pc < KC ? K - pc : KC, kc2 = (kc + 1) / 2;
        kk_bf16 *block = packed + (size_t)pc * mpad;
        for (int p0 = 0; p0 < M; p0 += MR) {
            kk_bf16 *panel = block + (size_t)p0 * 2 * kc2;
            for (int r = 0; r < MR; r++) {
                int row = p0 + r;
                const float *src = A + (size_t)row * lda + pc;
                for (int k = 0; k < 2 * kc2; k++)
                    panel[((size_t)(k >> 1) * MR + r) * 2 + (k & 1)] =
                        row < M && k < kc ? kk_bf16_from_float(src[k]) : 0;
            }
        }
    }
}

void kk_gemm_bf16_pack(const float *A, int lda, int M, int K, kk_bf16 *packed)
{
    kk_gemm_bf16_pack_isa(kk_gemm_bf16_isa(), A, lda, M, K, packed);
}

void kk_gemm_bf16_packed_rows_isa(kk_bf16_isa_t isa, int M, int m0, int m1, int N, int K,
                                  const kk_bf16 *packed, const float *B, int ldb, float *C,
                                  int ldc, int accumulate)
{
    if (m1 <= m0 || N <= 0)
        return;
    if (K <= 0) {
        if (!accumulate)
            for (int i = m0; i < m1; i++)
                memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    void (*pack_b)(int, const float *, int, int, kk_bf16 *) = pack_b_scalar;
    void (*tile)(int, const kk_bf16 *, const kk_bf16 *, float *, int, int, int, int) = tile_scalar;
#ifdef KK_BF16_X86
    if (isa == KK_BF16_AMX) {
        gemm_amx(M, m0, m1, N, K, packed, B, ldb, C, ldc, accumulate);
        return;
    }
    if (isa == KK_BF16_AVX512) {
        pack_b = pack_b_avx512;
        tile = tile_avx512;
    }
#else
    (void)isa;
#endif
    const size_t mpad = (size_t)((M + MR - 1) / MR) * MR;
    _Alignas(64) kk_bf16 bslice[KC * NR];
    /* M blocks outermost, then K blocks, then 32-column slices of B (each rounded and copied
     * once per M block) and the block's panels; C carries the sums from one K block to the next */
    for (int ic = m0; ic < m1; ic += MC) {
        int iend = m1 - ic < MC ? m1 : ic + MC;
        for (int pc = 0; pc < K; pc += KC) {
            int kc = K - pc < KC ? K - pc : KC, kc2 = (kc + 1) / 2;
            int load_c = accumulate || pc > 0;
            for (int jc = 0; jc < N; jc += NR) {
                int w = N - jc < NR ? N - jc : NR;
                pack_b(kc, B + (size_t)pc * ldb + jc, ldb, w, bslice);
                for (int ir = ic; ir < iend; ir += MR) {
                    int rows = iend - ir < MR ? iend - ir : MR;
                    const kk_bf16 *a = packed + (size_t)pc * mpad + (size_t)ir * 2 * kc2;
                    tile(kc, a, bslice, C + (size_t)ir * ldc + jc, ldc, rows, w, load_c);
                }
            }
        }
    }
}

void kk_gemm_bf16_packed_rows(int M, int m0, int m1, int N, int K, const kk_bf16 *packed,
                              const float *B, int ldb, float *C, int ldc, int accumulate)
{
    kk_gemm_bf16_packed_rows_isa(kk_gemm_bf16_isa(), M, m0, m1, N, K, packed, B, ldb, C, ldc,
                                 accumulate);
}

void kk_gemm_bf16_packed(int M, int N, int K, const kk_bf16 *packed, const float *B, int ldb,
                         float *C, int ldc, int accumulate)
{
    kk_gemm_bf16_packed_rows(M, 0, M, N, K, packed, B, ldb, C, ldc, accumulate);
}
