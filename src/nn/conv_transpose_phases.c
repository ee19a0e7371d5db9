/*
 * ConvTranspose1d by output phases, on weights packed once for nn/gemm.h (see nn.h).
 *
 * y[t] = b + sum_{c,s,q: t = s*u + q - pad} W[c][o][q] x[c][s]. With t' = t + pad, only the taps
 * q = rho + p*u with rho = t' mod u reach output t, from input s = floor(t'/u) - p. So every
 * output of phase rho is a T-tap convolution (T = ceil(k/u)) of the input with the taps
 * rho, rho + u, ..., and all u phases read the same T shifted copies of the input:
 *
 *   Y[rho*out + o][sigma] = sum_{p < T, c} A[rho*out + o][p*in + c] * x[c][sigma - p]
 *   y[o][sigma*u + rho - pad] = Y[rho*out + o][sigma] + b[o]
 *
 * one GEMM of (u*out) x (T*in) packed weights against a (T*in)-row operand built from x, and one
 * plain write of each output (no scatter-add). The multiply-adds are those of the scatter form
 * (k per input sample and channel pair); what changes is that the weights are packed at load and
 * x is read (and pre-activated) once per column block instead of once per group of outputs.
 * Each output is one GEMM dot product over p*in + c in a fixed order: the same bits for any
 * thread count and block size.
 *
 * Work is cut into units of `n` columns sigma, sized by the layer alone. Many units: whole units
 * per worker; few (short inputs): each unit's three steps (operand rows over channels, GEMM rows
 * over panels, outputs over channels) split over the workers, as nn/conv_fft.c does.
 */
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "nn/parallel.h"

#define KK_TCONV_Y_FLOATS (1 << 18) /* a unit's GEMM result stays in L2 */
#define KK_TCONV_MIN_COLS 16
#define KK_TCONV_MAX_COLS 512
#define KK_TCONV_UNIT_GRAIN 4

static int taps_per_phase(int k, int u)
{
    return (k + u - 1) / u;
}

size_t kk_tconv_packed_floats(int in, int out, int k, int stride)
{
    return kk_gemm_packed_floats(stride * out, taps_per_phase(k, stride) * in);
}

int kk_tconv_pack(const float *W, int in, int out, int k, int stride, float *packed)
{
    int T = taps_per_phase(k, stride), M = stride * out, K = T * in;
    float *A = malloc(sizeof(float) * (size_t)M * K);
    if (!A)
        return 0;
    for (int rho = 0; rho < stride; rho++)
        for (int o = 0; o < out; o++) {
            float *row = A + ((size_t)rho * out + o) * K;
            for (int p = 0; p < T; p++) {
                int q = rho + p * stride;
                for (int c = 0; c < in; c++)
                    row[(size_t)p * in + c] = q < k ? W[((size_t)c * out + o) * k + q] : 0.0f;
            }
        }
    kk_gemm_pack(A, K, M, K, packed);
    free(A);
    return 1;
}

typedef struct {
    const kk_buf *x;
    const kk_pre *pre;
    const float *packed, *b;
    float *y, *scratch;
    int in, out, u, pad, T, Lout;
    long s_lo;     /* first column sigma */
    int cols;      /* sigma columns in all */
    int n;         /* columns per unit */
    size_t per;    /* scratch floats per worker */
    int unit;      /* split mode: the unit being computed */
} tconv_job;

/* Columns per unit: at most what keeps Y within KK_TCONV_Y_FLOATS, with the unit count rounded
 * up to a multiple of KK_TCONV_UNIT_GRAIN and the columns shared out evenly, so whole units per
 * worker keep 1, 2 or 4 workers equally busy (5 units over two workers idled one a fifth of the
 * layer). Depends on the layer and length only. */
static int unit_cols(int M, int cols)
{
    int n = KK_TCONV_Y_FLOATS / M / 16 * 16;
    n = n < KK_TCONV_MIN_COLS ? KK_TCONV_MIN_COLS : (n > KK_TCONV_MAX_COLS ? KK_TCONV_MAX_COLS : n);
    if (cols <= n)
        return cols > 0 ? cols : 1;
    int units = (cols + n - 1) / n;
    units = (units + KK_TCONV_UNIT_GRAIN - 1) / KK_TCONV_UNIT_GRAIN * KK_TCONV_UNIT_GRAIN;
    return (cols + units - 1) / units;
}

/* Worker w's operand B [T*in][n], result Y [u*out][n], input row (n + T - 1 floats) and the
 * GEMM's copy of B (nn/gemm.h). */
static float *share_B(const tconv_job *j, int w)
{
    return j->scratch + (size_t)w * j->per;
}

static float *share_Y(const tconv_job *j, int w)
{
    return share_B(j, w) + (size_t)j->T * j->in * j->n;
}

static float *share_row(const tconv_job *j, int w)
{
    return share_Y(j, w) + (size_t)j->u * j->out * j->n;
}

static float *share_bpack(const tconv_job *j, int w)
{
    return share_row(j, w) + (size_t)j->n + j->T + 16;
}

static size_t per_worker(int in, int out, int T, int u, int n)
{
    return (size_t)T * in * n + (size_t)u * out * n + (size_t)n + T + 16 +
           kk_gemm_bpack_floats(n, T * in);
}

/* The unit's first column and width. */
static long unit_start(const tconv_job *j, int unit, int *nn)
{
    long s0 = (long)unit * j->n;
    *nn = j->cols - s0 < j->n ? (int)(j->cols - s0) : j->n;
    return j->s_lo + s0;
}

/* B row p*in + c = pre(x)[c][s0 - p ..], zero outside [0, L). */
static void build_rows(const tconv_job *j, int unit, float *B, float *row, int c0, int c1)
{
    int nn;
    long s0 = unit_start(j, unit, &nn);
    for (int c = c0; c < c1; c++) {
        kk_buf_read_pre_padded(j->x, j->pre, c, s0 - (j->T - 1), (size_t)nn + j->T - 1, row);
        for (int p = 0; p < j->T; p++)
            memcpy(B + ((size_t)p * j->in + c) * nn, row + (j->T - 1 - p), sizeof(float) * nn);
    }
}

static void gemm_panels(const tconv_job *j, int unit, const float *B, float *Y, int pn0, int pn1,
                        float *bpack)
{
    int nn, M = j->u * j->out, mr = kk_gemm_panel_rows();
    unit_start(j, unit, &nn);
    int r0 = pn0 * mr, r1 = pn1 * mr < M ? pn1 * mr : M;
    kk_gemm_packed_rows_buf(M, r0, r1, nn, j->T * j->in, j->packed, B, nn, Y, nn, 0, bpack);
}

static void write_outputs(const tconv_job *j, int unit, const float *Y, int o0, int o1)
{
    int nn;
    long s0 = unit_start(j, unit, &nn);
    for (int o = o0; o < o1; o++) {
        float bias = j->b ? j->b[o] : 0.0f, *yr = j->y + (size_t)o * j->Lout;
        for (int rho = 0; rho < j->u; rho++) {
            const float *src = Y + ((size_t)rho * j->out + o) * nn;
            long t = s0 * j->u + rho - j->pad;
            for (int i = 0; i < nn; i++, t += j->u)
                if (t >= 0 && t < j->Lout)
                    yr[t] = src[i] + bias;
        }
    }
}

static void whole_units(void *ctx, int u0, int u1, int worker)
{
    const tconv_job *j = ctx;
    float *B = share_B(j, worker), *Y = share_Y(j, worker), *row = share_row(j, worker);
    int mr = kk_gemm_panel_rows(), panels = (j->u * j->out + mr - 1) / mr;
    for (int unit = u0; unit < u1; unit++) {
        build_rows(j, unit, B, row, 0, j->in);
        gemm_panels(j, unit, B, Y, 0, panels, share_bpack(j, worker));
        write_outputs(j, unit, Y, 0, j->out);
    }
}

/* Split mode: worker 0's B and Y hold the unit; each worker its own input row. */
static void split_build(void *ctx, int c0, int c1, int worker)
{
    const tconv_job *j = ctx;
    build_rows(j, j->unit, share_B(j, 0), share_row(j, worker), c0, c1);
}

static void split_gemm(void *ctx, int pn0, int pn1, int worker)
{
    const tconv_job *j = ctx;
    gemm_panels(j, j->unit, share_B(j, 0), share_Y(j, 0), pn0, pn1, share_bpack(j, worker));
}

static void split_write(void *ctx, int o0, int o1, int worker)
{
    const tconv_job *j = ctx;
    (void)worker;
    write_outputs(j, j->unit, share_Y(j, 0), o0, o1);
}

/* The columns sigma whose outputs t = sigma*u + rho - pad fall in [0, Lout). */
static int column_range(int Lout, int stride, int pad, long *s_lo)
{
    long lo = pad / stride, hi = (Lout + (long)pad - 1) / stride;
    *s_lo = lo;
    return Lout > 0 ? (int)(hi - lo + 1) : 0;
}

size_t kk_tconv_packed_scratch(int in, int out, int L, int k, int stride, int pad, int outpad,
                               int threads)
{
    long s_lo;
    int Lout = kk_conv_transpose1d_len(L, k, stride, pad, outpad);
    int cols = column_range(Lout, stride, pad, &s_lo);
    int n = unit_cols(stride * out, cols);
    return per_worker(in, out, taps_per_phase(k, stride), stride, n) *
           (size_t)(threads < 1 ? 1 : threads);
}

void kk_tconv_packed(const kk_buf *x, const kk_pre *pre, const float *packed, const float *b,
                     int out, int k, int stride, int pad, int outpad, float *y, float *scratch,
                     int threads)
{
    tconv_job j;
    memset(&j, 0, sizeof j);
    j.x = x;
    j.pre = pre;
    j.packed = packed;
    j.b = b;
    j.y = y;
    j.scratch = scratch;
    j.in = x->C;
    j.out = out;
    j.u = stride;
    j.pad = pad;
    j.T = taps_per_phase(k, stride);
    j.Lout = kk_conv_transpose1d_len(x->L, k, stride, pad, outpad);
    j.cols = column_range(j.Lout, stride, pad, &j.s_lo);
    if (j.cols <= 0)
        return;
    j.n = unit_cols(stride * out, j.cols);
    j.per = per_worker(j.in, out, j.T, stride, j.n);
    int units = (j.cols + j.n - 1) / j.n, mr = kk_gemm_panel_rows();
    const kk_range_fn steps[3] = {split_build, split_gemm, split_write};
    const int counts[3] = {j.in, (stride * out + mr - 1) / mr, out};
    kk_parallel_units(threads < 1 ? 1 : threads, units, whole_units, &j.unit, 3, steps, counts,
                      &j);
}
