/*
 * FFT convolution (see conv_fft.h).
 *
 * Work is cut into units of whole "block rows": row i holds, for every phase p < d, the block of
 * decimated outputs [i*m, (i+1)*m) of x[p::d], i.e. outputs p + (i*m + j)*d. A unit of rows
 * [i0, i1) therefore covers the contiguous outputs [i0*m*d, i1*m*d) and reads the contiguous
 * inputs from (i0*m - h)*d on, so both ends are plain row copies. Block b = (i - i0)*d + p is
 * column b of the unit's per-bin GEMMs.
 *
 * The unit size depends only on the layer and the input length, never on the thread count, and
 * every block is computed the same way in any unit: the output is thread-count independent.
 * Long inputs give many units and each worker runs whole units; when there are few (short
 * inputs), each unit's three steps (forward FFTs over input channels, GEMMs over bins, inverse
 * FFTs over output channels) are split over the workers instead, so no core idles.
 *
 * Each complex bin takes three real GEMMs instead of four (Gauss): with P1 = Wr Xr, P2 = Wi Xi
 * and P3 = (Wr + Wi)(Xr + Xi), Yr = P1 - P2 and Yi = P3 - P1 - P2. The sums are formed on both
 * sides (Wr + Wi with the other spectra; Xr + Xi by the float32 GEMM as it copies its operand,
 * kk_gemm_packed_sum, or by the input transform for the bf16 one), so the multiply-adds per
 * output fall from (4(N/2 - 1) + 2)/m to (3(N/2 - 1) + 2)/m.
 *
 * Numerics: float32 FFTs of length N add a rounding error that grows like log2(N) (about 1e-7
 * relative here). Gauss's form subtracts products of the size of |W||X| to get Yi, so its error
 * is that of the operands' magnitude rather than of Yi's: a few float32 ulps of |W||X| per bin,
 * of the same order again, and far inside the 1e-4 bounds the goldens hold the engine to.
 */
#include "nn/conv_fft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/gemm_bf16.h"
#include "nn/parallel.h"
#include "nn/simd.h"
#include "nn/strided.h"

/* The unit's X operand (all bins) stays under 8 MB and its GEMMs at most 2 x 128 columns: wide
 * enough that packing each bin's weights is amortised (measured: 1.25x over 64 columns). */
#define KK_FFT_X_FLOATS (1 << 21)
#define KK_FFT_MAX_BLOCKS 128
#define KK_FFT_UNIT_GRAIN 4
#define KK_FFT_MAX_N 256 /* row-pointer arrays of N/2 + 1 bins live on the stack */

double kk_conv_fft_cost(int k, int N)
{
    return (3.0 * (N / 2 - 1) + 2.0) / (double)(N - k + 1);
}

/* Spectra planes: bin 0, bin N/2 (real), Wr and Wi of each complex bin (the N rows of the DFT
 * table), then Wr + Wi of each complex bin (Gauss's third operand, made by adding the two). */
static int planes_of(int N)
{
    return 2 + 3 * (N / 2 - 1);
}

/* Plane of part `part` (0: Re, 1: Im, 2: Re + Im) of bin f; bins 0 and N/2 have only part 0. */
static int plane_index(int N, int f, int part)
{
    if (f == 0 || f == N / 2)
        return f == 0 ? 0 : 1;
    return part == 2 ? N + (f - 1) : 2 + 2 * (f - 1) + part;
}

/* The sum planes' operands: plane N + s = plane pairs[2s] + plane pairs[2s + 1]. */
static void sum_pairs(int N, int *pairs)
{
    for (int f = 1; f < N / 2; f++) {
        pairs[2 * (f - 1)] = plane_index(N, f, 0);
        pairs[2 * (f - 1) + 1] = plane_index(N, f, 1);
    }
}

int kk_conv_fft_init(kk_conv_fft *p, int out, int in, int k, int N)
{
    memset(p, 0, sizeof *p);
    if (k < 1 || !(k & 1) || N <= k || N > KK_FFT_MAX_N || kk_rfft_init(&p->fft, N) != 0)
        return -1;
    p->in = in;
    p->out = out;
    p->k = k;
    p->N = N;
    p->m = N - k + 1;
    p->table = malloc(sizeof(float) * (size_t)N * k);
    p->zrow = malloc(sizeof(int) * 3 * (size_t)N);
    if (!p->table || !p->zrow) {
        kk_conv_fft_free(p);
        return -1;
    }
    int M = N / 2;
    for (int n = 0; n < N; n++) {
        p->zrow[n] = (n & 1) * M + p->fft.rev[n >> 1];
        p->zrow[N + p->zrow[n]] = n;
        p->zrow[2 * N + n] = (n & 1) * M + (n >> 1);
    }
    /* Correlation y[j] = sum_q W_q s[j+q] is conj(DFT(W)) * DFT(s) per bin: Re = s sum_q W_q
     * cos(2 pi f q / N), Im = s sum_q W_q sin(...); bins 0 and N/2 are real (planes 0 and 1).
     * The 1/(2N) undoes the forward transform's factor 2 and the inverse's factor N (fft.h). */
    const double two_pi = 6.283185307179586476925286766559, sc = 1.0 / (2.0 * N);
    for (int f = 0; f <= M; f++)
        for (int q = 0; q < k; q++) {
            double ph = two_pi * f * q / N, c = sc * cos(ph), sn = sc * sin(ph);
            p->table[(size_t)plane_index(N, f, 0) * k + q] = (float)c;
            if (f != 0 && f != M)
                p->table[(size_t)plane_index(N, f, 1) * k + q] = (float)sn;
        }
    return 0;
}

/* Each plane is stored packed for nn/gemm.h: the per-bin GEMMs then never re-pack weights. */
static size_t plane_floats(const kk_conv_fft *p)
{
    return kk_gemm_packed_floats(p->out, p->in);
}

/* The same plane packed for nn/gemm_bf16.h (where the process has a bf16 kernel). */
static size_t plane_bf16(const kk_conv_fft *p)
{
    return kk_gemm_bf16_packed_elems(p->out, p->in);
}

size_t kk_conv_fft_spectra_floats(const kk_conv_fft *p)
{
    return (size_t)planes_of(p->N) * plane_floats(p);
}

/*
 * A plane is a fixed linear combination of W's k taps, element by element: plane[pl][e] =
 * sum_q table[pl][q] * tap[q][e]. kk_gemm_pack_combos makes the packed planes straight from W, a
 * slice of a panel at a time (its taps packed into L1, then every plane's slice written from
 * them): no packed copy of the taps goes through memory. Each element gets the same fused
 * multiply-adds in the same order whichever slice, thread, ISA or layout holds it, so the float32
 * planes and the plain planes the bf16 path rounds (kk_gemm_combine over plain taps) carry the
 * same values, and a spectrum made at load (one thread) and one made per call (any number) are
 * the same bits.
 */
#define KK_SPECTRA_CHUNK 1024

typedef struct {
    const kk_conv_fft *p;
    const float *W;
    float *taps;     /* bf16 path: the plain taps [k][n], n = out*in */
    size_t n;        /* floats per tap and per plane */
    float *planes;   /* [planes][n] */
    kk_bf16 *spec16; /* bf16 packed planes, or NULL */
} spectra_job;

static void rearrange_rows(void *ctx, int o0, int o1, int worker)
{
    const spectra_job *j = ctx;
    const kk_conv_fft *p = j->p;
    size_t plane = (size_t)p->out * p->in;
    (void)worker;
    for (int o = o0; o < o1; o++)
        for (int i = 0; i < p->in; i++) {
            const float *w = j->W + ((size_t)o * p->in + i) * p->k;
            for (int q = 0; q < p->k; q++)
                j->taps[(size_t)q * plane + (size_t)o * p->in + i] = w[q];
        }
}

static void pack_planes(void *ctx, int u0, int u1, int worker)
{
    const spectra_job *j = ctx;
    const kk_conv_fft *p = j->p;
    int pairs[KK_FFT_MAX_N];
    (void)worker;
    sum_pairs(p->N, pairs);
    kk_gemm_pack_combos(j->W, p->out, p->in, p->k, p->table, p->N, pairs, p->N / 2 - 1, j->planes,
                        j->n, u0, u1);
}

/* The bf16 path's plain planes, chunk by chunk from the plain taps (the same sums). */
static void combine_chunks(void *ctx, int c0, int c1, int worker)
{
    const spectra_job *j = ctx;
    const kk_conv_fft *p = j->p;
    (void)worker;
    for (int c = c0; c < c1; c++) {
        size_t e0 = (size_t)c * KK_SPECTRA_CHUNK;
        size_t w = j->n - e0 < KK_SPECTRA_CHUNK ? j->n - e0 : KK_SPECTRA_CHUNK;
        int pairs[KK_FFT_MAX_N];
        sum_pairs(p->N, pairs);
        for (int pl = 0; pl < p->N; pl++)
            kk_gemm_combine(j->planes + (size_t)pl * j->n + e0, j->taps + e0, w, j->n,
                            p->table + (size_t)pl * p->k, p->k);
        for (int sm = 0; sm < p->N / 2 - 1; sm++)
            kk_gemm_add_rows(j->planes + (size_t)(p->N + sm) * j->n + e0,
                             j->planes + (size_t)pairs[2 * sm] * j->n + e0,
                             j->planes + (size_t)pairs[2 * sm + 1] * j->n + e0, w);
    }
}

static void pack_bf16_planes(void *ctx, int pl0, int pl1, int worker)
{
    const spectra_job *j = ctx;
    const kk_conv_fft *p = j->p;
    (void)worker;
    for (int pl = pl0; pl < pl1; pl++)
        kk_gemm_bf16_pack(j->planes + (size_t)pl * j->n, p->in, p->out, p->in,
                          j->spec16 + (size_t)pl * plane_bf16(p));
}

static void run_combine(spectra_job *j, int threads)
{
    kk_parallel_for(threads, (int)((j->n + KK_SPECTRA_CHUNK - 1) / KK_SPECTRA_CHUNK),
                    combine_chunks, j);
}

void kk_conv_fft_spectra(const kk_conv_fft *p, const float *W, float *spec, int threads)
{
    /* made per call for most layers: split over the workers, or short inputs wait on it */
    threads = threads < 1 ? 1 : threads;
    spectra_job j = {p, W, NULL, plane_floats(p), spec, NULL};
    kk_parallel_for(threads, kk_gemm_combo_units(p->out, p->in, p->k), pack_planes, &j);
}

size_t kk_conv_fft_bf16_elems(const kk_conv_fft *p)
{
    return (size_t)planes_of(p->N) * plane_bf16(p);
}

size_t kk_conv_fft_bf16_scratch(const kk_conv_fft *p)
{
    return (size_t)(planes_of(p->N) + p->k) * p->out * p->in;
}

void kk_conv_fft_spectra_bf16(const kk_conv_fft *p, const float *W, kk_bf16 *spec16,
                              float *scratch, int threads)
{
    threads = threads < 1 ? 1 : threads;
    size_t n = (size_t)p->out * p->in;
    spectra_job j = {p, W, scratch, n, scratch + (size_t)p->k * n, spec16};
    kk_parallel_for(threads, p->out, rearrange_rows, &j);
    run_combine(&j, threads);
    kk_parallel_for(threads, planes_of(p->N), pack_bf16_planes, &j);
}

void kk_conv_fft_free(kk_conv_fft *p)
{
    kk_rfft_free(&p->fft);
    free(p->table);
    free(p->zrow);
    p->table = NULL;
    p->zrow = NULL;
}

typedef struct {
    const kk_conv_fft *p;
    const float *spec;     /* float32 planes, or NULL when spec16 is used */
    const kk_bf16 *spec16; /* bf16 planes (nn/gemm_bf16.h), or NULL */
    const kk_buf *x;
    const kk_pre *pre;
    const float *b;
    kk_buf *y;
    int dil, accumulate, L, h;
    int y_in_x; /* the products overwrite X (float32 GEMMs), see mix_bins */
    int rows;      /* block rows: ceil(ceil(L/d) / m) */
    int unit_rows; /* rows of the largest unit */
    int units;
    int max_blocks;                   /* unit_rows * d: GEMM columns of a full unit */
    size_t x_bin, y_bin, per;         /* floats: X and Y per bin, a worker's share */
    float *scratch;
    int unit;                         /* split mode: the unit being computed */
    float *X, *Y;                     /* split mode: its operands */
    double *mom_part;                 /* [units][out][2] moments of y's rows, or NULL */
} fft_job;

/* The unit's rows [i0, i1), block count and output range [t0, t0 + width). */
typedef struct {
    int i0, nrows, nb;
    long t0;
    int width;
} unit_span;

static unit_span span_of_unit(const fft_job *j, int u)
{
    unit_span s;
    s.i0 = (int)((long)u * j->rows / j->units);
    s.nrows = (int)((long)(u + 1) * j->rows / j->units) - s.i0;
    s.nb = s.nrows * j->dil;
    s.t0 = (long)s.i0 * j->p->m * j->dil;
    long w = (long)s.nrows * j->p->m * j->dil;
    s.width = (int)(j->L - s.t0 < w ? j->L - s.t0 : w);
    return s;
}

/* FFT workspace of a worker: a row of input or output, the stored output row it adds to, the
 * FFTs' batch z [2][M][nb] (a unit of nb blocks uses its first 2*M*nb floats), and the GEMM
 * temporary tmp [out][nb]. Rows and z have 16 floats of slack (nn/strided.h moves up to 16 at a
 * time). */
typedef struct {
    float *row, *prev, *z, *tmp;
} workspace;

static workspace workspace_of(const fft_job *j, float *base)
{
    size_t row = (size_t)(j->unit_rows * j->p->m + j->p->k - 1) * j->dil + 16;
    workspace w;
    w.row = base;
    w.prev = w.row + row;
    w.z = w.prev + row;
    w.tmp = w.z + (size_t)j->p->N * j->max_blocks + 16;
    return w;
}

static size_t workspace_floats(const kk_conv_fft *p, int unit_rows, int dil, int max_blocks)
{
    return 2 * ((size_t)(unit_rows * p->m + p->k - 1) * dil + 16) + (size_t)p->N * max_blocks +
           16 + (size_t)p->out * max_blocks;
}

KK_SIMD_CLONES
static void forward_channels(const fft_job *j, unit_span s, float *X, int c0, int c1,
                             workspace w)
{
    const kk_conv_fft *p = j->p;
    int N = p->N, M = N / 2, d = j->dil, nb = s.nb;
    size_t plane = (size_t)p->in * nb;
    long lo = (long)(s.i0 * p->m - j->h) * d;
    size_t span = (size_t)(s.nrows * p->m + p->k - 1) * d;
    for (int c = c0; c < c1; c++) {
        kk_buf_read_pre_padded(j->x, j->pre, c, lo, span, w.row);
        /* block b = ii*d + p reads row[p + (ii*m + n)*d] for n < N */
        kk_gather_blocks(w.z, p->zrow, p->zrow + N, (size_t)nb, w.row, s.nrows, p->m, d, N);
        /* bin f's GEMM operands, row c of each: real bins X[in][nb]; complex bins Xr, Xi and
         * (bf16 only) Xr + Xi, each [in][nb] */
        float *re[KK_FFT_MAX_N / 2 + 1], *im[KK_FFT_MAX_N / 2 + 1], *sum[KK_FFT_MAX_N / 2 + 1];
        for (int f = 0; f <= M; f++) {
            re[f] = X + (size_t)f * j->x_bin + (size_t)c * nb;
            im[f] = re[f] + plane;
            sum[f] = re[f] + 2 * plane;
        }
        /* float32 GEMMs form Xr + Xi as they copy their operand (kk_gemm_packed_sum) */
        kk_rfft_forward_rows(&p->fft, w.z, w.z + (size_t)M * nb, nb, re, im,
                             j->spec16 ? sum : NULL);
    }
}

/* Yr = P1 - P2 and Yi = P3 - P1 - P2, in place over P1 (Yr) and P3 (Yi); rows ldy apart. */
KK_SIMD_CLONES
static void gauss_combine(float *restrict Yr, float *restrict Yi, size_t ldy,
                          const float *restrict p2, int out, int nb)
{
    for (int o = 0; o < out; o++) {
        float *yr = Yr + (size_t)o * ldy, *yi = Yi + (size_t)o * ldy;
        const float *q = p2 + (size_t)o * nb;
        for (int b = 0; b < nb; b++) {
            float p1 = yr[b];
            yr[b] = p1 - q[b];
            yi[b] = yi[b] - (p1 + q[b]);
        }
    }
}

/* Y = W X for plane `plane` (+0, 1, 2: Re, Im, Re + Im of a complex bin) of bin f's weights, in
 * the job's precision. */
static void bin_gemm(const fft_job *j, int f, int plane, int nb, const float *X, float *Y, int ldy)
{
    const kk_conv_fft *p = j->p;
    if (j->spec16) {
        const kk_bf16 *w = j->spec16 + (size_t)plane_index(p->N, f, plane) * plane_bf16(p);
        kk_gemm_bf16_packed(p->out, nb, p->in, w, X, nb, Y, ldy, 0);
    } else {
        const float *w = j->spec + (size_t)plane_index(p->N, f, plane) * plane_floats(p);
        if (plane == 2) /* X is the Xr plane here: Xr + Xi summed in the GEMM's copy of it */
            kk_gemm_packed_sum(p->out, nb, p->in, w, X, X + (size_t)p->in * nb, nb, Y, ldy, 0);
        else
            kk_gemm_packed(p->out, nb, p->in, w, X, nb, Y, ldy, 0);
    }
}

/* Where bin f's products go: Yr / Yi rows ldy apart. In place (float32), over the bin's own Xr
 * and Xi planes, which its GEMMs have read by then (see mix_bins); else (bf16) in Y, rows
 * [Yr | Yi]. Real bins have Yr only. */
static float *y_rows(const fft_job *j, float *X, float *Y, int f, int nb, float **yi,
                     size_t *ldy)
{
    if (j->y_in_x) {
        float *yr = X + (size_t)f * j->x_bin;
        *yi = yr + (size_t)j->p->in * nb;
        *ldy = (size_t)nb;
        return yr;
    }
    float *yr = Y + (size_t)f * j->y_bin;
    int real = f == 0 || f == j->p->N / 2;
    *yi = yr + nb;
    *ldy = real ? (size_t)nb : 2 * (size_t)nb;
    return yr;
}

/* Bin f: Y = W X, a complex bin by Gauss's three products (see the top of this file); P2 goes
 * to tmp [out][nb]. In place, each product overwrites an X plane only once no later product
 * reads it: P2 (from Xi) to tmp, P3 (from Xr + Xi) over Xi, P1 (from Xr) over Xr; a real bin's
 * over its one plane. Each GEMM reads a column of its right operand, for all of K, before it
 * writes that column of C, and never after (nn/gemm.h), so C may overlay the operand row for
 * row. */
static void mix_bins(const fft_job *j, unit_span s, float *X, float *Y, float *tmp, int f0,
                     int f1)
{
    const kk_conv_fft *p = j->p;
    int M = p->N / 2, nb = s.nb, in = p->in, out = p->out;
    size_t xplane = (size_t)in * nb, ldy;
    for (int f = f0; f < f1; f++) {
        const float *xf = X + (size_t)f * j->x_bin;
        float *yi, *yr = y_rows(j, X, Y, f, nb, &yi, &ldy);
        if (f == 0 || f == M) {
            bin_gemm(j, f, 0, nb, xf, yr, (int)ldy);
            continue;
        }
        bin_gemm(j, f, 1, nb, xf + xplane, tmp, nb);
        bin_gemm(j, f, 2, nb, j->spec16 ? xf + 2 * xplane : xf, yi, (int)ldy);
        bin_gemm(j, f, 0, nb, xf, yr, (int)ldy);
        gauss_combine(yr, yi, ldy, tmp, out, nb);
    }
}

KK_SIMD_CLONES
static void inverse_channels(const fft_job *j, int u, unit_span s, float *X, float *Y, int o0,
                             int o1, workspace w)
{
    const kk_conv_fft *p = j->p;
    int M = p->N / 2, d = j->dil, nb = s.nb, m = p->m;
    const float *yr[KK_FFT_MAX_N / 2 + 1], *yi[KK_FFT_MAX_N / 2 + 1];
    size_t ldy[KK_FFT_MAX_N / 2 + 1];
    for (int f = 0; f <= M; f++) {
        float *yif;
        yr[f] = y_rows(j, X, Y, f, nb, &yif, &ldy[f]);
        yi[f] = yif;
    }
    for (int o = o0; o < o1; o++) {
        /* bin f of output o: row o of the bin's products */
        const float *re[KK_FFT_MAX_N / 2 + 1], *im[KK_FFT_MAX_N / 2 + 1];
        for (int f = 0; f <= M; f++) {
            re[f] = yr[f] + (size_t)o * ldy[f];
            im[f] = yi[f] + (size_t)o * ldy[f];
        }
        kk_rfft_inverse_rows(&p->fft, re, im, nb, w.z, w.z + (size_t)M * nb);
        /* output j of block (ii, q) is row[q + (ii*m + j)*d]: the block's first m values of the
         * circular result are the valid ones */
        kk_scatter_blocks(w.row, w.z, p->zrow + 2 * p->N, (size_t)nb, s.nrows, m, d);
        float bias = j->b ? j->b[o] : 0.0f;
        if (j->accumulate) {
            kk_buf_read(j->y, o, s.t0, s.width, w.prev);
            for (int t = 0; t < s.width; t++)
                w.row[t] += w.prev[t] + bias;
        } else {
            for (int t = 0; t < s.width; t++)
                w.row[t] += bias;
        }
        kk_buf_write(j->y, o, s.t0, s.width, w.row);
        if (j->mom_part)
            kk_buf_row_moments(j->y, o, s.t0, s.width, w.row, w.row,
                               j->mom_part + ((size_t)u * j->p->out + o) * 2);
    }
}

/* A worker's share of the scratch: its X and Y operands, then its FFT workspace. */
static float *share_X(const fft_job *j, int worker)
{
    return j->scratch + (size_t)worker * j->per;
}

static float *share_Y(const fft_job *j, int worker)
{
    return share_X(j, worker) + (size_t)(j->p->N / 2 + 1) * j->x_bin;
}

static workspace share_ws(const fft_job *j, int worker)
{
    return workspace_of(j, share_Y(j, worker) + (size_t)(j->p->N / 2 + 1) * j->y_bin);
}

/* Whole units per worker. */
static void run_units(void *ctx, int u0, int u1, int worker)
{
    const fft_job *j = ctx;
    float *X = share_X(j, worker), *Y = share_Y(j, worker);
    workspace w = share_ws(j, worker);
    for (int u = u0; u < u1; u++) {
        unit_span s = span_of_unit(j, u);
        forward_channels(j, s, X, 0, j->p->in, w);
        mix_bins(j, s, X, Y, w.tmp, 0, j->p->N / 2 + 1);
        inverse_channels(j, u, s, X, Y, 0, j->p->out, w);
    }
}

/* One unit, its steps split over the workers. */
static void split_forward(void *ctx, int c0, int c1, int worker)
{
    const fft_job *j = ctx;
    forward_channels(j, span_of_unit(j, j->unit), j->X, c0, c1, share_ws(j, worker));
}

/* Tasks [t0, t1) of a unit's bins, complex bins (three GEMMs each) first and the two real ones
 * (one GEMM) last: contiguous equal shares then carry nearly equal work (two workers: 24 and 23
 * GEMMs at N = 32, against 22 and 25 in bin order). */
static void split_mix(void *ctx, int t0, int t1, int worker)
{
    const fft_job *j = ctx;
    int M = j->p->N / 2;
    unit_span s = span_of_unit(j, j->unit);
    float *tmp = share_ws(j, worker).tmp;
    for (int t = t0; t < t1; t++) {
        int f = t < M - 1 ? t + 1 : (t == M - 1 ? 0 : M);
        mix_bins(j, s, j->X, j->Y, tmp, f, f + 1);
    }
}

static void split_inverse(void *ctx, int o0, int o1, int worker)
{
    const fft_job *j = ctx;
    inverse_channels(j, j->unit, span_of_unit(j, j->unit), j->X, j->Y, o0, o1,
                     share_ws(j, worker));
}

/* The unit layout for this layer and length (thread-independent): the fewest units whose
 * operands stay within KK_FFT_X_FLOATS and KK_FFT_MAX_BLOCKS, rounded up to a multiple of
 * KK_FFT_UNIT_GRAIN, with the rows shared out evenly: whole units per worker then keep 1, 2 or 4
 * workers equally busy (9 units over two workers would idle one for a ninth of the layer). */
static void plan_units(const kk_conv_fft *p, int L, int dil, int *rows, int *units,
                       int *unit_rows)
{
    int M = p->N / 2;
    long dec = (L + dil - 1) / dil;
    *rows = (int)((dec + p->m - 1) / p->m);
    long blocks = KK_FFT_X_FLOATS / ((long)(M + 1) * 3 * p->in);
    if (blocks > KK_FFT_MAX_BLOCKS)
        blocks = KK_FFT_MAX_BLOCKS;
    int ur = (int)(blocks / dil);
    if (ur < 1)
        ur = 1;
    int n = (*rows + ur - 1) / ur;
    if (n > 1)
        n = (n + KK_FFT_UNIT_GRAIN - 1) / KK_FFT_UNIT_GRAIN * KK_FFT_UNIT_GRAIN;
    if (n > *rows)
        n = *rows;
    if (n < 1)
        n = 1;
    *units = n;
    *unit_rows = *rows > 0 ? (*rows + n - 1) / n : 1;
}

static void sizes(const kk_conv_fft *p, int unit_rows, int dil, size_t *x_bin, size_t *y_bin,
                  size_t *per)
{
    int M = p->N / 2;
    size_t nb = (size_t)unit_rows * dil;
    /* X: Xr, Xi and (bf16 only) Xr + Xi per bin; Y: the bf16 GEMMs' products (float32 ones
     * overwrite X, see mix_bins) */
    *x_bin = 3 * (size_t)p->in * nb;
    *y_bin = 2 * (size_t)p->out * nb;
    *per = (size_t)(M + 1) * (*x_bin + *y_bin) + workspace_floats(p, unit_rows, dil, (int)nb);
}

/* The workers' shares, then (at an even float offset, for doubles) the moments' partials. */
static size_t shares_floats(size_t per, int threads)
{
    return (per * (size_t)threads + 1) & ~(size_t)1;
}

size_t kk_conv1d_fft_scratch(const kk_conv_fft *p, int L, int dil, int threads)
{
    int rows, units, ur;
    if (L <= 0)
        return 0;
    plan_units(p, L, dil, &rows, &units, &ur);
    size_t xb, yb, per;
    sizes(p, ur, dil, &xb, &yb, &per);
    return shares_floats(per, threads < 1 ? 1 : threads) + (size_t)units * p->out * 4;
}

static void conv1d_fft(const kk_conv_fft *p, const float *spec, const kk_bf16 *spec16,
                       const kk_buf *x, const kk_pre *pre, const float *b, int dil, kk_buf *y,
                       int accumulate, float *scratch, int threads, double *moments)
{
    if (moments)
        memset(moments, 0, sizeof(double) * 2 * (size_t)p->out);
    if (x->L <= 0)
        return;
    if (threads < 1)
        threads = 1;
    fft_job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.spec = spec;
    j.spec16 = spec16;
    j.y_in_x = !spec16 && p->out <= p->in && p->in <= KK_GEMM_KC_MIN;
    j.x = x;
    j.pre = pre;
    j.b = b;
    j.y = y;
    j.dil = dil;
    j.accumulate = accumulate;
    j.L = x->L;
    j.h = (p->k - 1) / 2;
    j.scratch = scratch;
    plan_units(p, x->L, dil, &j.rows, &j.units, &j.unit_rows);
    j.max_blocks = j.unit_rows * dil;
    sizes(p, j.unit_rows, dil, &j.x_bin, &j.y_bin, &j.per);
    if (moments)
        j.mom_part = (double *)(scratch + shares_floats(j.per, threads));
    j.X = share_X(&j, 0); /* split units: worker 0's operands, shared by all */
    j.Y = share_Y(&j, 0);
    const kk_range_fn steps[3] = {split_forward, split_mix, split_inverse};
    const int counts[3] = {p->in, p->N / 2 + 1, p->out};
    kk_parallel_units(threads, j.units, run_units, &j.unit, 3, steps, counts, &j);
    if (moments)
        kk_moments_add_parts(j.mom_part, j.units, p->out, moments);
}

void kk_conv1d_fft(const kk_conv_fft *p, const float *spec, const kk_buf *x, const kk_pre *pre,
                   const float *b, int dil, kk_buf *y, int accumulate, float *scratch,
                   int threads, double *moments)
{
    conv1d_fft(p, spec, NULL, x, pre, b, dil, y, accumulate, scratch, threads, moments);
}

void kk_conv1d_fft_bf16(const kk_conv_fft *p, const kk_bf16 *spec16, const kk_buf *x,
                        const kk_pre *pre, const float *b, int dil, kk_buf *y, int accumulate,
                        float *scratch, int threads)
{
    conv1d_fft(p, NULL, spec16, x, pre, b, dil, y, accumulate, scratch, threads, NULL);
}
