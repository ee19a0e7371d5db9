/*
 * Winograd convolution for k = 3 (see conv_wino.h).
 *
 * Work is cut as in conv_fft.c: tile row i holds, for every phase q < d, the tile of decimated
 * outputs [i*m, (i+1)*m) of x[q::d], i.e. outputs q + (i*m + j)*d. A unit of rows [i0, i1)
 * covers the contiguous outputs [i0*m*d, i1*m*d) and reads the contiguous inputs from
 * (i0*m - 1)*d on, so both ends are plain row copies; tile b = (i - i0)*d + q is column b of the
 * unit's per-point GEMMs. The unit size depends only on the layer and the input length, never on
 * the thread count, and every tile is computed the same way in any unit: the output is
 * thread-count independent. Many units: whole units per worker; few (short inputs): each unit's
 * three steps (input transforms over channels, GEMMs over points and row blocks, output
 * transforms over channels) are split over the workers.
 *
 * The transforms run across the unit's tiles (one tile a vector lane), so they vectorise for
 * any m; their cost per output is O(n^2 / out) against the GEMMs' n/m * in, a few percent at
 * the generator's 128 and 256 channels.
 */
#include "nn/conv_wino.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/parallel.h"
#include "nn/simd.h"

/* GEMM columns (tiles) per unit: enough that the kernel streams each packed plane at full rate,
 * few enough that a point's V operand (in x tiles) stays in L2. */
#define KK_WINO_TILES 128
/* Row blocks per point when a unit's GEMMs are split over workers. */
#define KK_WINO_ROW_SPLIT 4

double kk_conv_wino_cost(int m)
{
    return (m + 2.0) / m;
}

/* Inverse of the n x n matrix a (row-major), by Gauss-Jordan with partial pivoting. */
static int invert(int n, double a[KK_WINO_MAX_N][KK_WINO_MAX_N], double inv[KK_WINO_MAX_N][KK_WINO_MAX_N])
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
        for (int q = 0; q < 3; q++)
            p->G[i][q] /= scale;
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

size_t kk_conv_wino_filter_floats(const kk_conv_wino *p)
{
    return kk_conv_wino_packed_floats(p) + (size_t)p->out * p->in;
}

void kk_conv_wino_filters(const kk_conv_wino *p, const float *W, float *U)
{
    size_t n = (size_t)p->out * p->in;
    float *plain = U + kk_conv_wino_packed_floats(p);
    for (int i = 0; i < p->n; i++) {
        /* in double: the filter transform's only rounding is the final one */
        for (size_t e = 0; e < n; e++) {
            const float *w = W + e * 3;
            plain[e] = (float)(p->G[i][0] * w[0] + p->G[i][1] * w[1] + p->G[i][2] * w[2]);
        }
        kk_gemm_pack(plain, p->in, p->out, p->in, U + (size_t)i * plane_floats(p));
    }
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

static size_t ws_floats(const kk_conv_wino *p, int unit_rows, int dil, int max_tiles)
{
    return (size_t)(unit_rows * p->m + 2) * dil + 16 + (size_t)p->n * max_tiles;
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

/* dst[ii*d + q] = src[ii*stride + q] for ii < rows, q < d (one sample of every tile). */
static inline void gather_tiles(float *restrict dst, const float *restrict src, int rows,
                                int stride, int d)
{
    if (d == 1) {
        for (int ii = 0; ii < rows; ii++)
            dst[ii] = src[(size_t)ii * stride];
        return;
    }
    for (int ii = 0; ii < rows; ii++)
        for (int q = 0; q < d; q++)
            dst[ii * d + q] = src[(size_t)ii * stride + q];
}

/* dst[ii*stride + q] += src[ii*d + q], the inverse of gather_tiles. */
static inline void scatter_tiles(float *restrict dst, const float *restrict src, int rows,
                                 int stride, int d)
{
    if (d == 1) {
        for (int ii = 0; ii < rows; ii++)
            dst[(size_t)ii * stride] += src[ii];
        return;
    }
    for (int ii = 0; ii < rows; ii++)
        for (int q = 0; q < d; q++)
            dst[(size_t)ii * stride + q] += src[ii * d + q];
}

/* dst[0..nt) = sum_s coef[s] * src[s*ld ..], skipping zero coefficients; the first nonzero one
 * initialises (rows of B^T and A^T have at least one). */
static inline void combine(float *restrict dst, const float *coef, const float *restrict src,
                           size_t ld, int n, int nt)
{
    int first = 1;
    for (int s = 0; s < n; s++) {
        float c = coef[s];
        if (c == 0.0f)
            continue;
        const float *r = src + (size_t)s * ld;
        if (first) {
            for (int b = 0; b < nt; b++)
                dst[b] = c * r[b];
            first = 0;
        } else {
            for (int b = 0; b < nt; b++)
                dst[b] += c * r[b];
        }
    }
    if (first)
        memset(dst, 0, sizeof(float) * (size_t)nt);
}

/* Input channels [c0, c1) of the unit: X[i][c][tile] = sum_s B^T[i][s] x(tile, s). */
KK_SIMD_CLONES
static void forward_channels(const wino_job *j, unit_span s, float *X, int c0, int c1, float *ws)
{
    const kk_conv_wino *p = j->p;
    int m = p->m, n = p->n, d = j->dil, nt = s.nt, T = j->max_tiles;
    long lo = j->t0 + s.t0 - d;
    size_t span = (size_t)(s.nrows * m + 2) * d;
    float *row = ws, *g = ws + (size_t)(j->unit_rows * m + 2) * d + 16;
    for (int c = c0; c < c1; c++) {
        kk_buf_read_pre_padded(j->x, j->pre, c, lo, span, row);
        /* tile (ii, q) reads row[q + (ii*m + s)*d], s < n: contiguous in q for each (ii, s) */
        for (int e = 0; e < n; e++)
            gather_tiles(g + (size_t)e * T, row + (size_t)e * d, s.nrows, m * d, d);
        for (int i = 0; i < n; i++)
            combine(X + ((size_t)i * p->in + c) * T, p->BT[i], g, (size_t)T, n, nt);
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

/* Output channels [o0, o1): a tile's m outputs are A^T Y, added into the unit's output range. */
KK_SIMD_CLONES
static void inverse_channels(const wino_job *j, unit_span s, const float *Y, int o0, int o1,
                             float *ws)
{
    const kk_conv_wino *p = j->p;
    int m = p->m, n = p->n, d = j->dil, nt = s.nt, T = j->max_tiles, md = m * d;
    float *row = ws, *z = ws + (size_t)(j->unit_rows * m + 2) * d + 16;
    int full = s.width / md; /* rows whose outputs all lie inside the range */
    for (int o = o0; o < o1; o++) {
        float *dst;
        if (j->y) {
            dst = row;
            float bias = j->b ? j->b[o] : 0.0f;
            if (j->accumulate) {
                kk_buf_read(j->y, o, j->t0 + s.t0, s.width, row);
                for (int t = 0; t < s.width; t++)
                    row[t] += bias;
            } else {
                for (int t = 0; t < s.width; t++)
                    row[t] = bias;
            }
        } else {
            dst = j->ycols + (size_t)o * j->ldy + s.t0;
        }
        float at[KK_WINO_MAX_N];
        for (int jj = 0; jj < m; jj++) {
            for (int i = 0; i < n; i++)
                at[i] = p->AT[jj][i];
            combine(z, at, Y + (size_t)o * T, (size_t)p->out * T, n, nt);
            scatter_tiles(dst + (size_t)jj * d, z, full, md, d);
            for (int ii = full; ii < s.nrows; ii++) {
                long t = (long)(ii * m + jj) * d;
                for (int q = 0; q < d && t + q < s.width; q++)
                    dst[t + q] += z[ii * d + q];
            }
        }
        if (j->y)
            kk_buf_write(j->y, o, j->t0 + s.t0, s.width, row);
    }
}

static void run_units(void *ctx, int u0, int u1, int worker)
{
    const wino_job *j = ctx;
    float *X = share_X(j, worker), *Y = share_Y(j, worker), *ws = share_ws(j, worker);
    for (int u = u0; u < u1; u++) {
        unit_span s = span_of_unit(j, u);
        forward_channels(j, s, X, 0, j->p->in, ws);
        mix_points(j, s, X, Y, 0, j->p->n, 0);
        inverse_channels(j, s, Y, 0, j->p->out, ws);
    }
}

static void split_forward(void *ctx, int c0, int c1, int worker)
{
    const wino_job *j = ctx;
    forward_channels(j, span_of_unit(j, j->unit), j->X, c0, c1, share_ws(j, worker));
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
    inverse_channels(j, span_of_unit(j, j->unit), j->Y, o0, o1, share_ws(j, worker));
}

/* The unit layout for `width` outputs at this dilation (thread-independent). */
static void plan_units(wino_job *j)
{
    const kk_conv_wino *p = j->p;
    long dec = (j->width + j->dil - 1) / j->dil;
    j->rows = (int)((dec + p->m - 1) / p->m);
    int ur = KK_WINO_TILES / j->dil;
    if (ur < 1)
        ur = 1;
    if (ur > j->rows)
        ur = j->rows > 0 ? j->rows : 1;
    j->unit_rows = ur;
    j->units = (j->rows + ur - 1) / ur;
    j->max_tiles = ur * j->dil;
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

size_t kk_conv1d_wino_scratch(const kk_conv_wino *p, int L, int dil, int threads)
{
    if (L <= 0)
        return 0;
    return job_of(p, L, dil).per * (size_t)(threads < 1 ? 1 : threads);
}

void kk_conv1d_wino(const kk_conv_wino *p, const float *U, const kk_buf *x, const kk_pre *pre,
                    const float *b, int dil, kk_buf *y, int accumulate, float *scratch,
                    int threads)
{
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
    if (threads == 1 || j.units >= 2 * threads) {
        kk_parallel_for(threads, j.units, run_units, &j);
        return;
    }
    j.X = share_X(&j, 0); /* worker 0's operands, shared by all */
    j.Y = share_Y(&j, 0);
    for (int u = 0; u < j.units; u++) {
        j.unit = u;
        kk_parallel_for(threads, p->in, split_forward, &j);
        kk_parallel_for(threads, p->n * KK_WINO_ROW_SPLIT, split_mix, &j);
        kk_parallel_for(threads, p->out, split_inverse, &j);
    }
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
