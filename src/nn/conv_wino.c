/*
 * Winograd convolution for k = 3 (see conv_wino.h).
 *
 * Work is cut as in conv_fft.c: tile row i holds, for every phase q < d, the tile of decimated
 * outputs [i*m, (i+1)*m) of x[q::d], i.e. outputs q + (i*m + j)*d. A unit of rows [i0, i1)
 * covers the contiguous outputs [i0*m*d, i1*m*d) and reads the contiguous inputs from
 * (i0*m - 1)*d on, so both ends are plain row copies. Inside a unit of R rows the tiles are
 * numbered phase-major (tile q*R + ii is column q*R + ii of the per-point GEMMs), so each phase is
 * a dilation-1 problem over its own decimated copy of the row. The unit size depends only on the
 * layer, the input length and the dilation, never on the thread count, and every tile is computed
 * the same way in any unit: the output is thread-count independent. Many units: whole units per
 * worker; few (short inputs): each unit's three steps (input transforms over channels, GEMMs over
 * points and row blocks, output transforms over channels) are split over the workers.
 *
 * The transforms run across tiles (a chunk of 16 tiles per vector register row), so they
 * vectorise for any m; at m = 4 the four-way interleave of a tile's inputs and outputs is done by
 * shuffles. Their cost per output is O(n^2 / channels) against the GEMMs' n/m per channel pair.
 * What remains is the copying of each channel's rows in and out, which direct convolution pays
 * too.
 */
#include "nn/conv_wino.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/parallel.h"
#include "nn/simd.h"
#include "nn/strided.h"

/* GEMM columns (tiles) per unit: enough that the kernel streams each packed plane at full rate,
 * few enough that a point's V operand (in x tiles) stays in L2. */
#define KK_WINO_TILES 128
/* Row blocks per point when a unit's GEMMs are split over workers. */
#define KK_WINO_ROW_SPLIT 4
/* Tiles per transform chunk (one AVX-512 register or two AVX2 ones per row of it). */
#define KK_WINO_CHUNK 16

double kk_conv_wino_cost(int m)
{
    return (m + 2.0) / m;
}

/* Inverse of the n x n matrix a (row-major), by Gauss-Jordan with partial pivoting. */
static int invert(int n, double a[KK_WINO_MAX_N][KK_WINO_MAX_N],
                  double inv[KK_WINO_MAX_N][KK_WINO_MAX_N])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            inv[i][j] = i == j;
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-12)
            return -1;
        for (int j = 0; j < n; j++) {
            double t = a[c][j];
            a[c][j] = a[piv][j];
            a[piv][j] = t;
            t = inv[c][j];
            inv[c][j] = inv[piv][j];
            inv[piv][j] = t;
        }
        double s = 1.0 / a[c][c];
        for (int j = 0; j < n; j++) {
            a[c][j] *= s;
            inv[c][j] *= s;
        }
        for (int r = 0; r < n; r++) {
            if (r == c || a[r][c] == 0.0)
                continue;
            double f = a[r][c];
            for (int j = 0; j < n; j++) {
                a[r][j] -= f * a[c][j];
                inv[r][j] -= f * inv[c][j];
            }
        }
    }
    return 0;
}

/*
 * Toom-Cook at the finite points pts[0..n-2] and infinity. With V the n x n Vandermonde matrix
 * (row i = powers 0..n-1 of point i; the row of infinity picks the leading coefficient), linear
 * convolution of a 3-tap g with an m-sample e is V^-1 [(V_3 g) . (V_m e)], V_k being V's first k
 * columns with infinity's row picking their last. The correlation y_j = sum_q g_q x_(j+q) is
 * its transpose: y = V_m^T [(V_3 g) . (V^-T x)], so A^T = V_m^T, G = V_3 and B^T = V^-T. Each
 * row of B^T is scaled to small integers (exact in float32) and the matching row of G by the
 * inverse; any such scaling leaves the product exact.
 */
int kk_conv_wino_init(kk_conv_wino *p, int out, int in, int m)
{
    static const double pts2[] = {0, 1, -1}, pts4[] = {0, 1, -1, 2, -2},
                        pts6[] = {0, 1, -1, 2, -2, 0.5, -0.5};
    const double *pts = m == 2 ? pts2 : m == 4 ? pts4 : m == 6 ? pts6 : NULL;
    memset(p, 0, sizeof *p);
    if (!pts || out < 1 || in < 1)
        return -1;
    int n = m + 2;
    p->in = in;
    p->out = out;
    p->m = m;
    p->n = n;
    double V[KK_WINO_MAX_N][KK_WINO_MAX_N] = {{0}}, Vi[KK_WINO_MAX_N][KK_WINO_MAX_N];
    for (int i = 0; i < n - 1; i++)
        for (int s = 0; s < n; s++)
            V[i][s] = pow(pts[i], s);
    V[n - 1][n - 1] = 1.0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            p->AT[j][i] = (float)(i < n - 1 ? pow(pts[i], j) : (j == m - 1));
        for (int q = 0; q < 3; q++)
            p->G[i][q] = i < n - 1 ? pow(pts[i], q) : (q == 2);
    }
    double Vc[KK_WINO_MAX_N][KK_WINO_MAX_N];
    memcpy(Vc, V, sizeof V);
    if (invert(n, Vc, Vi) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        double row[KK_WINO_MAX_N], small = 0.0;
        for (int s = 0; s < n; s++) {
            row[s] = Vi[s][i];
            if (fabs(row[s]) > 1e-12 && (small == 0.0 || fabs(row[s]) < small))
                small = fabs(row[s]);
        }
        /* the smallest multiple of 1/small that makes every entry an integer */
        double scale = 1.0 / small;
        for (int q = 1; q <= 64; q++) {
            int whole = 1;
            for (int s = 0; s < n; s++) {
                double v = row[s] * q / small;
                whole &= fabs(v - nearbyint(v)) < 1e-9;
            }
            if (whole) {
                scale = q / small;
                break;
            }
        }
        for (int s = 0; s < n; s++) {
            double v = row[s] * scale;
            p->BT[i][s] = (float)(fabs(v - nearbyint(v)) < 1e-9 ? nearbyint(v) : v);
        }
        for (int q = 0; q < 3; q++) {
            p->G[i][q] /= scale;
            p->Gf[i][q] = (float)p->G[i][q];
        }
    }
    return 0;
}

static size_t plane_floats(const kk_conv_wino *p)
{
    return kk_gemm_packed_floats(p->out, p->in);
}

size_t kk_conv_wino_packed_floats(const kk_conv_wino *p)
{
    return (size_t)p->n * plane_floats(p);
}

typedef struct {
    const kk_conv_wino *p;
    const float *W;
    float *U;
} filter_job;

static void filter_units(void *ctx, int u0, int u1, int worker)
{
    const filter_job *j = ctx;
    const kk_conv_wino *p = j->p;
    (void)worker;
    kk_gemm_pack_combos(j->W, p->out, p->in, 3, &p->Gf[0][0], p->n, NULL, 0, j->U,
                        plane_floats(p), u0, u1);
}

/* Plane i = Gf[i][0] w0 + Gf[i][1] w1 + Gf[i][2] w2 in float32 (two fused roundings of |g||w|,
 * far below the transform's own), made and packed a slice of a panel at a time
 * (kk_gemm_pack_combos). */
void kk_conv_wino_filters(const kk_conv_wino *p, const float *W, float *U, int threads)
{
    filter_job j = {p, W, U};
    kk_parallel_for(threads < 1 ? 1 : threads, kk_gemm_combo_units(p->out, p->in, 3),
                    filter_units, &j);
}

typedef struct {
    const kk_conv_wino *p;
    const float *taps; /* three packed planes */
    float *U;
    size_t chunk;      /* floats per task */
} packed_filter_job;

/* Packing only moves elements (and pads with zeros), so plane i of the packed filters is the
 * same combination of the packed taps, element by element: kk_gemm_combine, the sums
 * kk_conv_wino_filters makes, hence the same bits. Split into chunks of the planes for the
 * workers. */
static void filter_chunks(void *ctx, int c0, int c1, int worker)
{
    const packed_filter_job *j = ctx;
    const kk_conv_wino *p = j->p;
    size_t plane = plane_floats(p);
    (void)worker;
    for (int c = c0; c < c1; c++) {
        size_t e0 = (size_t)c * j->chunk, e1 = e0 + j->chunk < plane ? e0 + j->chunk : plane;
        for (int i = 0; i < p->n; i++)
            kk_gemm_combine(j->U + (size_t)i * plane + e0, j->taps + e0, e1 - e0, plane,
                            p->Gf[i], 3);
    }
}

void kk_conv_wino_filters_packed(const kk_conv_wino *p, const float *taps, float *U, int threads)
{
    size_t plane = plane_floats(p), chunk = 4096;
    packed_filter_job j = {p, taps, U, chunk};
    kk_parallel_for(threads < 1 ? 1 : threads, (int)((plane + chunk - 1) / chunk), filter_chunks,
                    &j);
}

typedef struct {
    const kk_conv_wino *p;
    const float *U;
    const kk_buf *x;
    const kk_pre *pre;
    const float *b;
    kk_buf *y;      /* NULL: columns mode, into ycols */
    float *ycols;
    size_t ldy;
    int dil, accumulate;
    long t0;        /* the first output */
    int width;      /* outputs from t0 */
    int rows, unit_rows, units, max_tiles;
    size_t per;     /* a worker's scratch floats */
    float *scratch;
    int unit;       /* split mode: the unit being computed */
    float *X, *Y;   /* split mode: its operands */
    double *mom_part; /* [units][out][2] moments of y's rows, or NULL */
} wino_job;

typedef struct {
    int i0, nrows, nt; /* first row, rows, tiles */
    long t0;           /* first output, relative to the job's t0 */
    int width;
} unit_span;

static unit_span span_of_unit(const wino_job *j, int u)
{
    unit_span s;
    int md = j->p->m * j->dil;
    s.i0 = u * j->unit_rows;
    s.nrows = j->rows - s.i0 < j->unit_rows ? j->rows - s.i0 : j->unit_rows;
    s.nt = s.nrows * j->dil;
    s.t0 = (long)s.i0 * md;
    long w = (long)s.nrows * md;
    s.width = (int)(j->width - s.t0 < w ? j->width - s.t0 : w);
    return s;
}

/* Operand sizes: X and Y are [n][channels][max_tiles]; the workspace holds an input or output
 * row (span + slack) and n gathered or transformed rows of max_tiles. */
static size_t x_floats(const wino_job *j)
{
    return (size_t)j->p->n * j->p->in * j->max_tiles;
}

static size_t y_floats(const wino_job *j)
{
    return (size_t)j->p->n * j->p->out * j->max_tiles;
}

/* A worker's workspace: a row of input or output (span + slack), its d phases apart (see
 * wino_forward; slack for the chunked reads past their ends) and n rows of max_tiles. */
static size_t row_floats(const kk_conv_wino *p, int unit_rows, int dil)
{
    return (size_t)(unit_rows * p->m + 2) * dil + 16;
}

static size_t phase_floats(const kk_conv_wino *p, int unit_rows)
{
    return (size_t)unit_rows * p->m + 2 + 4 * KK_WINO_CHUNK + 16;
}

static size_t ws_floats(const kk_conv_wino *p, int unit_rows, int dil, int max_tiles)
{
    return row_floats(p, unit_rows, dil) + phase_floats(p, unit_rows) * dil +
           (size_t)p->n * max_tiles;
}

static float *share_X(const wino_job *j, int worker)
{
    return j->scratch + (size_t)worker * j->per;
}

static float *share_Y(const wino_job *j, int worker)
{
    return share_X(j, worker) + x_floats(j);
}

static float *share_ws(const wino_job *j, int worker)
{
    return share_Y(j, worker) + y_floats(j);
}

/*
 * The transforms proper, dst[r][b] = sum_e M[r][e] src[e][b] for R x N matrices, over chunks of
 * KK_WINO_CHUNK tiles held in registers (GCC vector extensions: one AVX-512 register, or two
 * AVX2 ones, per row of a chunk). N and R are compile-time constants, so the N source rows of a
 * chunk are loaded once and every product stays in registers; rows are padded to whole chunks.
 */
typedef float kk_v16 __attribute__((vector_size(64)));
/* the same at any float alignment, for loads and stores straight from the rows */
typedef float kk_v16u __attribute__((vector_size(64), aligned(4), may_alias));

#define KK_WINO_MIX(R, N)                                                                          \
    static inline __attribute__((always_inline)) void mix_##R##x##N(                               \
        const float(*M)[KK_WINO_MAX_N], const float *src, size_t lds, float *dst, size_t ldd,      \
        int nt)                                                                                    \
    {                                                                                              \
        for (int b0 = 0; b0 < nt; b0 += KK_WINO_CHUNK) {                                           \
            kk_v16 v[N];                                                                           \
            for (int e = 0; e < N; e++)                                                            \
                v[e] = *(const kk_v16u *)(src + e * lds + b0);                                     \
            for (int r = 0; r < R; r++) {                                                          \
                kk_v16 a = v[0] * M[r][0];                                                         \
                for (int e = 1; e < N; e++)                                                        \
                    a += v[e] * M[r][e];                                                           \
                *(kk_v16u *)(dst + r * ldd + b0) = a;                                              \
            }                                                                                      \
        }                                                                                          \
    }
KK_WINO_MIX(4, 4)
KK_WINO_MIX(6, 6)
KK_WINO_MIX(8, 8)
KK_WINO_MIX(2, 4)
KK_WINO_MIX(4, 6)
KK_WINO_MIX(6, 8)

/* The n x n input transform (square) or the m x n output transform. Direct calls, so each is
 * inlined into the caller's ISA clone. */
static inline __attribute__((always_inline)) void mix(int rows, int n,
                                                      const float (*M)[KK_WINO_MAX_N],
                                                      const float *src, size_t lds, float *dst,
                                                      size_t ldd, int nt)
{
    if (rows == n && n == 4)
        mix_4x4(M, src, lds, dst, ldd, nt);
    else if (rows == n && n == 6)
        mix_6x6(M, src, lds, dst, ldd, nt);
    else if (rows == n)
        mix_8x8(M, src, lds, dst, ldd, nt);
    else if (n == 4)
        mix_2x4(M, src, lds, dst, ldd, nt);
    else if (n == 6)
        mix_4x6(M, src, lds, dst, ldd, nt);
    else
        mix_6x8(M, src, lds, dst, ldd, nt);
}

/*
 * m = 4 at dilation 1, the most frequent case (every convs2): tile b reads row[4b + e] and writes
 * row[4b + j], four-way interleaved. A chunk of 16 tiles is 64 consecutive floats, so the gather
 * is a de-interleave of four vectors (and of the four starting one tile later, for e = 4, 5) and
 * the scatter the inverse interleave: two rounds of two-vector shuffles, no scalar loop.
 */
#if defined(__clang__)
#define KK_LO2(a, b)                                                                               \
    __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define KK_HI2(a, b)                                                                               \
    __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#define KK_EVEN(a, b)                                                                              \
    __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define KK_ODD(a, b)                                                                               \
    __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
#else
typedef int kk_i16 __attribute__((vector_size(64)));
#define KK_LO2(a, b)                                                                               \
    __builtin_shuffle(a, b, (kk_i16){0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23})
#define KK_HI2(a, b)                                                                               \
    __builtin_shuffle(a, b, (kk_i16){8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31})
#define KK_EVEN(a, b)                                                                              \
    __builtin_shuffle(a, b, (kk_i16){0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30})
#define KK_ODD(a, b)                                                                               \
    __builtin_shuffle(a, b, (kk_i16){1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31})
#endif

/* out[e][l] = src[4l + e] for e < 4, l < 16 */
static inline __attribute__((always_inline)) void deinterleave4(const float *src, kk_v16 out[4])
{
    kk_v16 r0 = *(const kk_v16u *)src, r1 = *(const kk_v16u *)(src + 16);
    kk_v16 r2 = *(const kk_v16u *)(src + 32), r3 = *(const kk_v16u *)(src + 48);
    kk_v16 e0 = KK_EVEN(r0, r1), o0 = KK_ODD(r0, r1);
    kk_v16 e1 = KK_EVEN(r2, r3), o1 = KK_ODD(r2, r3);
    out[0] = KK_EVEN(e0, e1);
    out[2] = KK_ODD(e0, e1);
    out[1] = KK_EVEN(o0, o1);
    out[3] = KK_ODD(o0, o1);
}

/* dst[4l + j] += z[j][l] for j < 4, l < 16 */
static inline __attribute__((always_inline)) void interleave4_add(float *dst, const kk_v16 z[4])
{
    kk_v16 a = KK_LO2(z[0], z[2]), b = KK_HI2(z[0], z[2]);
    kk_v16 c = KK_LO2(z[1], z[3]), d = KK_HI2(z[1], z[3]);
    *(kk_v16u *)dst += KK_LO2(a, c);
    *(kk_v16u *)(dst + 16) += KK_HI2(a, c);
    *(kk_v16u *)(dst + 32) += KK_LO2(b, d);
    *(kk_v16u *)(dst + 48) += KK_HI2(b, d);
}

/* Forward transform of whole chunks at m = 4, d = 1: X[i][b] = sum_e B^T[i][e] row[4b + e]. */
static inline __attribute__((always_inline)) void forward_m4d1(const float (*BT)[KK_WINO_MAX_N],
                                                               const float *row, float *x,
                                                               size_t ldx, int chunks)
{
    for (int k = 0; k < chunks; k++) {
        const float *r = row + (size_t)k * 4 * KK_WINO_CHUNK;
        kk_v16 v[8];
        deinterleave4(r, v);
        deinterleave4(r + 4, v + 4); /* v[4], v[5] are inputs 4 and 5; 6 and 7 unused */
        for (int i = 0; i < 6; i++) {
            kk_v16 a = v[0] * BT[i][0];
            for (int e = 1; e < 6; e++)
                a += v[e] * BT[i][e];
            *(kk_v16u *)(x + i * ldx + (size_t)k * KK_WINO_CHUNK) = a;
        }
    }
}

/* Output transform of whole chunks at m = 4, d = 1, added into row[4b + j]. */
static inline __attribute__((always_inline)) void inverse_m4d1(const float (*AT)[KK_WINO_MAX_N],
                                                               const float *y, size_t ldy,
                                                               float *row, int chunks)
{
    for (int k = 0; k < chunks; k++) {
        kk_v16 v[6], z[4];
        for (int i = 0; i < 6; i++)
            v[i] = *(const kk_v16u *)(y + i * ldy + (size_t)k * KK_WINO_CHUNK);
        for (int jj = 0; jj < 4; jj++) {
            kk_v16 a = v[0] * AT[jj][0];
            for (int i = 1; i < 6; i++)
                a += v[i] * AT[jj][i];
            z[jj] = a;
        }
        interleave4_add(row + (size_t)k * 4 * KK_WINO_CHUNK, z);
    }
}

/* Brings channel c's range [lo, lo + span) toward the cache while another channel is computed:
 * the channels' rows lie a whole tensor row apart, beyond what the hardware prefetcher follows. */
static inline void prefetch_row(const kk_buf *x, int c, long lo, size_t span)
{
    if (c >= x->C)
        return;
    long s = lo < 0 ? 0 : lo, e = lo + (long)span;
    if (e > x->L)
        e = x->L;
    size_t o = (size_t)c * x->L;
    for (long t = s; t < e; t += 16) {
        if (x->f32) {
            __builtin_prefetch(x->f32 + o + t);
        } else {
            __builtin_prefetch(x->hi + o + t);
            if (((t - s) & 63) == 0)
                __builtin_prefetch(x->lo + o + t);
        }
    }
}

static float *ws_phase(const wino_job *j, float *ws)
{
    return ws + row_floats(j->p, j->unit_rows, j->dil);
}

static float *ws_rows(const wino_job *j, float *ws)
{
    return ws_phase(j, ws) + phase_floats(j->p, j->unit_rows) * j->dil;
}

/*
 * Tiles are numbered phase-major: tile b = q*R + ii (R = the unit's rows) is row ii of phase q,
 * reading inputs q + (ii*m + e)*d, e < n. So each phase is a dilation-1 problem over its own
 * decimated row xq[k] = row[q + k*d] (copied out once), and dilation 1 is the only case the
 * transforms see.
 */

/* xq[q*ldq + k] = row[k*d + q] for k < n, q < d: the phases apart, all at once (one interleaved
 * group of d loads, which the compiler vectorises for the dilations the model uses), and back. */
#define KK_WINO_SPLIT(D)                                                                           \
    for (int k = 0; k < n; k++)                                                                    \
        for (int q = 0; q < D; q++)                                                                \
            xq[q * ldq + k] = row[(size_t)k * D + q];
static inline void split_phases(float *restrict xq, size_t ldq, const float *restrict row, int n,
                                int d)
{
    if (d == 3) {
        KK_WINO_SPLIT(3)
    } else if (d == 5) {
        KK_WINO_SPLIT(5)
    } else if (d == 2) {
        KK_WINO_SPLIT(2)
    } else {
        KK_WINO_SPLIT(d)
    }
}

/* row[k*d + q] = bias + zq[q*ldq + k] for k < n, q < d */
#define KK_WINO_MERGE(D)                                                                           \
    for (int k = 0; k < n; k++)                                                                    \
        for (int q = 0; q < D; q++)                                                                \
            row[(size_t)k * D + q] = bias + zq[q * ldq + k];
static inline void merge_phases(float *restrict row, const float *restrict zq, size_t ldq, int n,
                                int d, float bias)
{
    if (d == 3) {
        KK_WINO_MERGE(3)
    } else if (d == 5) {
        KK_WINO_MERGE(5)
    } else if (d == 2) {
        KK_WINO_MERGE(2)
    } else {
        KK_WINO_MERGE(d)
    }
}

/* X columns [0, R) from one phase row xq: X[i][ii] = sum_e B^T[i][e] xq[ii*m + e]. g: n rows of
 * T, zero past R - tb (see wino_forward). */
static inline __attribute__((always_inline)) void forward_phase(const kk_conv_wino *p,
                                                                const float *xq, int R, float *x,
                                                                size_t ldx, float *g, size_t T)
{
    int m = p->m, n = p->n;
    int fc = m == 4 ? R / KK_WINO_CHUNK : 0, tb = fc * KK_WINO_CHUNK;
    if (fc)
        forward_m4d1((const float (*)[KK_WINO_MAX_N])p->BT, xq, x, ldx, fc);
    if (tb == R)
        return;
    for (int e = 0; e < n; e++)
        kk_gather_strided(g + (size_t)e * T, xq + (size_t)tb * m + e, R - tb, m, 1);
    mix(n, n, (const float (*)[KK_WINO_MAX_N])p->BT, g, T, x + tb, ldx, R - tb);
}

/* Input channels [c0, c1) of the unit: X[i][c][tile] = sum_e B^T[i][e] x(tile, e). */
KK_SIMD_CLONES
static void wino_forward(const wino_job *j, unit_span s, float *X, int c0, int c1, float *ws)
{
    const kk_conv_wino *p = j->p;
    int m = p->m, n = p->n, d = j->dil, R = s.nrows, T = j->max_tiles;
    long lo = j->t0 + s.t0 - d;
    size_t span = (size_t)(R * m + 2) * d, ldx = (size_t)p->in * T;
    int tail = R % (m == 4 ? KK_WINO_CHUNK : R + 1);
    float *row = ws, *xq = ws_phase(j, ws), *g = ws_rows(j, ws);
    for (int e = 0; e < n; e++) /* the padding of the tail's chunk: zeros, not stale floats */
        memset(g + (size_t)e * T + tail, 0, sizeof(float) * (size_t)(T - tail));
    for (int c = c0; c < c1; c++) {
        kk_buf_read_pre_padded(j->x, j->pre, c, lo, span, row);
        prefetch_row(j->x, c + 1, lo, span);
        float *xc = X + (size_t)c * T;
        if (d == 1) {
            forward_phase(p, row, R, xc, ldx, g, (size_t)T);
            continue;
        }
        size_t ldq = phase_floats(p, j->unit_rows);
        split_phases(xq, ldq, row, R * m + 2, d);
        for (int q = 0; q < d; q++)
            forward_phase(p, xq + q * ldq, R, xc + (size_t)q * R, ldx, g, (size_t)T);
    }
}

/* Items [it0, it1) of the n x KK_WINO_ROW_SPLIT (point, row block) GEMMs of the unit (or all of
 * a point's rows when whole). Row blocks start at panel boundaries, so a split product is the
 * same bits as a whole one (nn/gemm.h). */
static void mix_points(const wino_job *j, unit_span s, const float *X, float *Y, int it0, int it1,
                       int split)
{
    const kk_conv_wino *p = j->p;
    int T = j->max_tiles, out = p->out, mr = kk_gemm_panel_rows();
    int parts = split ? KK_WINO_ROW_SPLIT : 1;
    int blk = (out + parts - 1) / parts;
    blk = (blk + mr - 1) / mr * mr;
    for (int it = it0; it < it1; it++) {
        int i = it / parts, r0 = (it % parts) * blk, r1 = r0 + blk < out ? r0 + blk : out;
        if (r0 >= r1)
            continue;
        kk_gemm_packed_rows(out, r0, r1, s.nt, p->in, j->U + (size_t)i * plane_floats(p),
                            X + (size_t)i * p->in * T, T, Y + (size_t)i * out * T, T, 0);
    }
}

/* One phase's outputs, added into zq[ii*m + j] (whole tiles) from Y columns [0, R). */
static inline __attribute__((always_inline)) void inverse_phase(const kk_conv_wino *p,
                                                                const float *y, size_t ldy, int R,
                                                                float *zq, float *z, size_t T)
{
    int m = p->m, n = p->n;
    int fc = m == 4 ? R / KK_WINO_CHUNK : 0, tb = fc * KK_WINO_CHUNK;
    if (fc)
        inverse_m4d1((const float (*)[KK_WINO_MAX_N])p->AT, y, ldy, zq, fc);
    if (tb == R)
        return;
    mix(m, n, (const float (*)[KK_WINO_MAX_N])p->AT, y + tb, ldy, z, T, R - tb);
    for (int jj = 0; jj < m; jj++)
        kk_scatter_add_strided(zq + (size_t)tb * m + jj, z + (size_t)jj * T, R - tb, m, 1);
}

/* Output channels [o0, o1): a tile's m outputs are A^T Y, added over the bias (kk_buf mode) and
 * then written or added to y. Rows hold whole tiles, so the last tile's outputs past the range
 * land in them too, unread. */
KK_SIMD_CLONES
static void wino_inverse(const wino_job *j, int u, unit_span s, const float *Y, int o0, int o1,
                             float *ws)
{
    const kk_conv_wino *p = j->p;
    int m = p->m, d = j->dil, R = s.nrows, T = j->max_tiles;
    float *row = ws, *zq = ws_phase(j, ws), *z = ws_rows(j, ws);
    size_t whole = (size_t)R * m * d, ld = (size_t)p->out * T;
    for (int o = o0; o < o1; o++) {
        if (j->y)
            prefetch_row(j->y, o + 1, j->t0 + s.t0, (size_t)s.width);
        float bias = j->y && j->b ? j->b[o] : 0.0f;
        const float *yo = Y + (size_t)o * T;
        if (d == 1) {
            for (size_t t = 0; t < whole; t++)
                row[t] = bias;
            inverse_phase(p, yo, ld, R, row, z, (size_t)T);
        } else {
            size_t ldq = phase_floats(p, j->unit_rows);
            for (int q = 0; q < d; q++) {
                memset(zq + q * ldq, 0, sizeof(float) * (size_t)R * m);
                inverse_phase(p, yo + (size_t)q * R, ld, R, zq + q * ldq, z, (size_t)T);
            }
            merge_phases(row, zq, ldq, R * m, d, bias);
        }
        if (j->y) {
            if (j->accumulate)
                kk_buf_add(j->y, o, j->t0 + s.t0, s.width, row);
            else
                kk_buf_write(j->y, o, j->t0 + s.t0, s.width, row);
            if (j->mom_part)
                kk_buf_row_moments(j->y, o, j->t0 + s.t0, s.width,
                                   j->accumulate ? NULL : row, row,
                                   j->mom_part + ((size_t)u * p->out + o) * 2);
        } else {
            float *dst = j->ycols + (size_t)o * j->ldy + s.t0;
            for (int t = 0; t < s.width; t++)
                dst[t] += row[t];
        }
    }
}

static void run_units(void *ctx, int u0, int u1, int worker)
{
    const wino_job *j = ctx;
    float *X = share_X(j, worker), *Y = share_Y(j, worker), *ws = share_ws(j, worker);
    /* A point's whole GEMM (here never split over workers) may write its products over its own
     * operand, row for row (nn/gemm.h): the unit's Y then never takes room in the cache. */
    if (j->p->out == j->p->in && j->p->in <= KK_GEMM_KC_MIN)
        Y = X;
    for (int u = u0; u < u1; u++) {
        unit_span s = span_of_unit(j, u);
        wino_forward(j, s, X, 0, j->p->in, ws);
        mix_points(j, s, X, Y, 0, j->p->n, 0);
        wino_inverse(j, u, s, Y, 0, j->p->out, ws);
    }
}

static void split_forward(void *ctx, int c0, int c1, int worker)
{
    const wino_job *j = ctx;
    wino_forward(j, span_of_unit(j, j->unit), j->X, c0, c1, share_ws(j, worker));
}

static void split_mix(void *ctx, int i0, int i1, int worker)
{
    const wino_job *j = ctx;
    (void)worker;
    mix_points(j, span_of_unit(j, j->unit), j->X, j->Y, i0, i1, 1);
}

static void split_inverse(void *ctx, int o0, int o1, int worker)
{
    const wino_job *j = ctx;
    wino_inverse(j, j->unit, span_of_unit(j, j->unit), j->Y, o0, o1, share_ws(j, worker));
}

/* The unit layout for `width` outputs at this dilation (thread-independent). */
static void plan_units(wino_job *j)
{
    const kk_conv_wino *p = j->p;
    long dec = (j->width + j->dil - 1) / j->dil;
    j->rows = (int)((dec + p->m - 1) / p->m);
    /* whole chunks of rows per phase where that stays near KK_WINO_TILES tiles */
    int ur = KK_WINO_TILES / j->dil;
    if (ur >= KK_WINO_CHUNK)
        ur = (ur + KK_WINO_CHUNK / 2) / KK_WINO_CHUNK * KK_WINO_CHUNK;
    if (ur < 1)
        ur = 1;
    if (ur > j->rows)
        ur = j->rows > 0 ? j->rows : 1;
    j->unit_rows = ur;
    j->units = (j->rows + ur - 1) / ur;
    /* a phase's last chunk may run KK_WINO_CHUNK - 1 columns past the unit's tiles */
    j->max_tiles = ur * j->dil + KK_WINO_CHUNK;
    j->per = x_floats(j) + y_floats(j) + ws_floats(p, ur, j->dil, j->max_tiles);
}

static wino_job job_of(const kk_conv_wino *p, int width, int dil)
{
    wino_job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.dil = dil;
    j.width = width;
    plan_units(&j);
    return j;
}

/* The workers' shares, then (at an even float offset, for doubles) the moments' partials. */
static size_t shares_floats(size_t per, int threads)
{
    return (per * (size_t)threads + 1) & ~(size_t)1;
}

size_t kk_conv1d_wino_scratch(const kk_conv_wino *p, int L, int dil, int threads)
{
    if (L <= 0)
        return 0;
    wino_job j = job_of(p, L, dil);
    return shares_floats(j.per, threads < 1 ? 1 : threads) + (size_t)j.units * p->out * 4;
}

void kk_conv1d_wino(const kk_conv_wino *p, const float *U, const kk_buf *x, const kk_pre *pre,
                    const float *b, int dil, kk_buf *y, int accumulate, float *scratch,
                    int threads, double *moments)
{
    if (moments)
        memset(moments, 0, sizeof(double) * 2 * (size_t)p->out);
    if (x->L <= 0)
        return;
    if (threads < 1)
        threads = 1;
    wino_job j = job_of(p, x->L, dil);
    j.U = U;
    j.x = x;
    j.pre = pre;
    j.b = b;
    j.y = y;
    j.accumulate = accumulate;
    j.scratch = scratch;
    if (moments)
        j.mom_part = (double *)(scratch + shares_floats(j.per, threads));
    j.X = share_X(&j, 0); /* split units: worker 0's operands, shared by all */
    j.Y = share_Y(&j, 0);
    const kk_range_fn steps[3] = {split_forward, split_mix, split_inverse};
    const int counts[3] = {p->in, p->n * KK_WINO_ROW_SPLIT, p->out};
    kk_parallel_units(threads, j.units, run_units, &j.unit, 3, steps, counts, &j);
    if (moments)
        kk_moments_add_parts(j.mom_part, j.units, p->out, moments);
}

size_t kk_conv1d_wino_cols_scratch(const kk_conv_wino *p, int n, int dil)
{
    return n > 0 ? job_of(p, n, dil).per : 0;
}

void kk_conv1d_wino_cols(const kk_conv_wino *p, const float *U, const kk_buf *x,
                         const kk_pre *pre, int dil, long t0, int n, float *y, size_t ldy,
                         float *scratch)
{
    if (n <= 0)
        return;
    wino_job j = job_of(p, n, dil);
    j.U = U;
    j.x = x;
    j.pre = pre;
    j.ycols = y;
    j.ldy = ldy;
    j.t0 = t0;
    j.scratch = scratch;
    run_units(&j, 0, j.units, 0);
}
