#include <cblas.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

/* im2col blocks hold at most this many floats (8 MB), so temporaries stay
 * bounded whatever the sequence length and each block is one efficient GEMM. */
#define KK_COL_FLOATS (1 << 21)

int kk_conv1d_len(int L, int k, int stride, int pad, int dil)
{
    return (L + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

/* Output columns per block: bounded by the im2col budget, and small enough that every worker
 * gets blocks. */
static int block_cols(int in, int k, int Lout, int threads)
{
    long nb = KK_COL_FLOATS / ((long)in * k);
    long share = (Lout + threads - 1) / (threads > 0 ? threads : 1);
    if (nb > share)
        nb = share;
    if (nb < 64)
        nb = 64;
    if (nb > Lout)
        nb = Lout;
    return (int)(nb > 0 ? nb : 1);
}

static size_t span_of(int n, int k, int stride, int dil)
{
    return (size_t)(n - 1) * stride + (size_t)dil * (k - 1) + 1;
}

static size_t per_worker(int in, int k, int stride, int dil, int nb)
{
    return (size_t)in * k * nb + (size_t)in * span_of(nb, k, stride, dil) + 16;
}

/* Stride-1 convolutions with k > 1 run as k GEMMs over shifted views of one gathered input block,
 * y[:, t] += W_q . x[:, t + q*dil], with W rearranged per call to [k][out][in]: no im2col copy
 * (OpenBLAS packs its operands anyway), and the rearrangement (out*in*k floats, once per call)
 * is negligible next to the GEMMs. Blocks of KK_SHIFT_COLS output columns keep y's block in cache
 * across the k passes. */
#define KK_SHIFT_COLS 1024

static int use_shifted(int k, int stride)
{
    return stride == 1 && k > 1;
}

static int shift_cols(int Lout, int threads)
{
    long nb = KK_SHIFT_COLS;
    long share = (Lout + threads - 1) / (threads > 0 ? threads : 1);
    if (nb > share)
        nb = share;
    if (nb < 64)
        nb = 64;
    if (nb > Lout)
        nb = Lout;
    return (int)(nb > 0 ? nb : 1);
}

/* Copies x[c][lo .. lo+span) (zero outside [0, L)) through pre into dst[c][span]. */
static void gather_input(const kk_buf *x, const kk_pre *pre, long lo, size_t span, float *dst)
{
    for (int c = 0; c < x->C; c++)
        kk_buf_read_pre_padded(x, pre, c, lo, span, dst + (size_t)c * span);
}

/* Output block [t0, t0+n) of y: float32 outputs are computed in place (row stride Lout); packed
 * ones in the worker's tile (row stride n), loaded first when accumulating. Rows start at the
 * bias (or, accumulating, get it added). */
static float *output_begin(kk_buf *y, const float *b, int t0, int n, int accumulate, float *tile,
                           size_t *ldy)
{
    float *base;
    if (y->f32) {
        base = y->f32 + t0;
        *ldy = (size_t)y->L;
    } else {
        base = tile;
        *ldy = (size_t)n;
    }
    for (int o = 0; o < y->C; o++) {
        float *row = base + (size_t)o * *ldy;
        float bias = b ? b[o] : 0.0f;
        if (!accumulate)
            for (int t = 0; t < n; t++)
                row[t] = bias;
        else {
            if (!y->f32)
                kk_buf_read(y, o, t0, n, row);
            if (b)
                for (int t = 0; t < n; t++)
                    row[t] += bias;
        }
    }
    return base;
}

static void output_end(kk_buf *y, int t0, int n, const float *tile)
{
    if (!y->f32)
        for (int o = 0; o < y->C; o++)
            kk_buf_write(y, o, t0, n, tile + (size_t)o * n);
}

typedef struct {
    const kk_buf *x;
    kk_buf *y;
    const float *W, *b;
    const kk_pre *pre;
    float *scratch;
    int in, L, out, k, stride, pad, dil, Lout, nb, accumulate;
    size_t per;
} conv_job;

static void conv_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    int IK = j->in * j->k;
    float *col = j->scratch + j->per * (size_t)worker;
    float *xin = col + (size_t)IK * j->nb;
    float *tile = xin + (size_t)j->in * span_of(j->nb, j->k, j->stride, j->dil) + 16;
    for (int blk = begin; blk < end; blk++) {
        int t0 = blk * j->nb;
        int n = j->Lout - t0 < j->nb ? j->Lout - t0 : j->nb;
        size_t ldy;
        float *yb = output_begin(j->y, j->b, t0, n, j->accumulate, tile, &ldy);
        long lo = (long)t0 * j->stride - j->pad;
        size_t span = span_of(n, j->k, j->stride, j->dil);
        gather_input(j->x, j->pre, lo, span, xin);
        for (int c = 0; c < j->in; c++) {
            const float *src = xin + (size_t)c * span;
            for (int q = 0; q < j->k; q++) {
                float *dst = col + ((size_t)c * j->k + q) * n;
                const float *s = src + (size_t)q * j->dil;
                if (j->stride == 1)
                    memcpy(dst, s, sizeof(float) * n);
                else
                    for (int t = 0; t < n; t++)
                        dst[t] = s[(size_t)t * j->stride];
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->out, n, IK, 1.0f, j->W, IK, col,
                    n, 1.0f, yb, (int)ldy);
        output_end(j->y, t0, n, tile);
    }
}

size_t kk_conv1d_cols_scratch(int in, int n, int k, int dil)
{
    return (size_t)in * span_of(n, k, 1, dil) + 16;
}

void kk_conv1d_cols(const kk_buf *x, const kk_pre *pre, const float *Wk, int out, int k, int pad,
                    int dil, long t0, int n, float *y, size_t ldy, float *scratch)
{
    size_t span = span_of(n, k, 1, dil);
    gather_input(x, pre, t0 - pad, span, scratch);
    for (int q = 0; q < k; q++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, n, x->C, 1.0f,
                    Wk + (size_t)q * out * x->C, x->C, scratch + (size_t)q * dil, (int)span, 1.0f,
                    y, (int)ldy);
}

static void shifted_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    float *xin = j->scratch + (size_t)worker * j->per;
    float *tile = xin + kk_conv1d_cols_scratch(j->in, j->nb, j->k, j->dil);
    for (int blk = begin; blk < end; blk++) {
        int t0 = blk * j->nb;
        int n = j->Lout - t0 < j->nb ? j->Lout - t0 : j->nb;
        size_t ldy;
        float *yb = output_begin(j->y, j->b, t0, n, j->accumulate, tile, &ldy);
        kk_conv1d_cols(j->x, j->pre, j->W, j->out, j->k, j->pad, j->dil, t0, n, yb, ldy, xin);
        output_end(j->y, t0, n, tile);
    }
}

/* 1x1 convolution of float32 x without an input transform into float32 y: a GEMM straight on x,
 * split over time. */
static void pointwise_cols(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    (void)worker;
    int n = end - begin;
    size_t ldy;
    float *yb = output_begin(j->y, j->b, begin, n, j->accumulate, NULL, &ldy);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->out, n, j->in, 1.0f, j->W, j->in,
                j->x->f32 + begin, j->L, 1.0f, yb, (int)ldy);
}

void kk_conv1d_rearrange(const float *W, int out, int in, int k, float *Wk)
{
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++)
            for (int q = 0; q < k; q++)
                Wk[((size_t)q * out + o) * in + i] = W[((size_t)o * in + i) * k + q];
}

/* Columns per block when the output is packed: the worker's float32 tile of out x nb is bounded
 * like the im2col block. */
static int packed_cols(int nb, int out)
{
    long cap = KK_COL_FLOATS / (out > 0 ? out : 1);
    if (cap < 64)
        cap = 64;
    return nb < cap ? nb : (int)cap;
}

/* Scratch floats of kk_conv1d_buf; packed_out: room for the output tiles of a packed y. */
static size_t conv_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                           int threads, int packed_out)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return 0;
    if (threads < 1)
        threads = 1;
    if (use_shifted(k, stride)) {
        int nb = shift_cols(Lout, threads);
        return (size_t)out * in * k +
               (size_t)threads * (kk_conv1d_cols_scratch(in, nb, k, dil) +
                                  (packed_out ? (size_t)out * nb : 0));
    }
    /* a packed output takes narrower blocks plus a tile; enough for either */
    int nb = block_cols(in, k, Lout, threads), np = packed_cols(nb, out);
    size_t f32 = per_worker(in, k, stride, dil, nb);
    size_t packed = per_worker(in, k, stride, dil, np) + (size_t)out * np;
    return (packed_out && packed > f32 ? packed : f32) * (size_t)threads;
}

size_t kk_conv1d_scratch(int in, int out, int L, int k, int stride, int pad, int dil, int threads)
{
    return conv_scratch(in, out, L, k, stride, pad, dil, threads, 0);
}

size_t kk_conv1d_buf_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                             int threads)
{
    return conv_scratch(in, out, L, k, stride, pad, dil, threads, 1);
}

void kk_conv1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b, int out,
                   int k, int stride, int pad, int dil, kk_buf *y, int accumulate, float *scratch,
                   int threads)
{
    int Lout = kk_conv1d_len(x->L, k, stride, pad, dil);
    if (Lout <= 0)
        return;
    if (threads < 1)
        threads = 1;
    conv_job j = {x, y, W, b, pre, scratch, x->C, x->L, out, k, stride, pad, dil, Lout, 0,
                  accumulate, 0};
    if (k == 1 && stride == 1 && pad == 0 && !pre && x->f32 && y->f32) {
        int per = 256; /* columns per share at least, so tiny convolutions stay on one thread */
        int t = Lout / per < threads ? (Lout / per > 0 ? Lout / per : 1) : threads;
        kk_parallel_for(t, Lout, pointwise_cols, &j);
        return;
    }
    if (use_shifted(k, stride)) {
        float *Wk = scratch;
        kk_conv1d_rearrange(W, out, x->C, k, Wk);
        j.W = Wk;
        j.nb = shift_cols(Lout, threads);
        j.scratch = scratch + (size_t)out * x->C * k;
        j.per = kk_conv1d_cols_scratch(x->C, j.nb, k, dil) + (y->f32 ? 0 : (size_t)out * j.nb);
        kk_parallel_for(threads, (Lout + j.nb - 1) / j.nb, shifted_blocks, &j);
        return;
    }
    j.nb = block_cols(x->C, k, Lout, threads);
    if (!y->f32)
        j.nb = packed_cols(j.nb, out);
    j.per = per_worker(x->C, k, stride, dil, j.nb) + (y->f32 ? 0 : (size_t)out * j.nb);
    int blocks = (Lout + j.nb - 1) / j.nb;
    kk_parallel_for(threads, blocks, conv_blocks, &j);
}

void kk_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W, const float *b,
               int out, int k, int stride, int pad, int dil, float *y, int accumulate,
               float *scratch, int threads)
{
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_buf ya = kk_buf_f32(y, out, kk_conv1d_len(L, k, stride, pad, dil));
    kk_conv1d_buf(&xa, pre, W, b, out, k, stride, pad, dil, &ya, accumulate, scratch, threads);
}

int kk_conv_transpose1d_len(int L, int k, int stride, int pad, int outpad)
{
    return (L - 1) * stride - 2 * pad + k + outpad;
}

static int block_in_cols(int out, int k, int L)
{
    long nb = KK_COL_FLOATS / ((long)out * k);
    if (nb < 16)
        nb = 16;
    if (nb > L)
        nb = L;
    return (int)(nb > 0 ? nb : 1);
}

static size_t tr_per_worker(int in, int out, int L, int k)
{
    int nb = block_in_cols(out, k, L);
    return (size_t)out * k * nb + (size_t)in * nb + 16;
}

size_t kk_conv_transpose1d_scratch(int in, int out, int L, int k, int threads)
{
    return tr_per_worker(in, out, L, k) * (size_t)(threads < 1 ? 1 : threads);
}

typedef struct {
    const kk_buf *x;
    const float *W, *b;
    const kk_pre *pre;
    float *y, *scratch;
    int in, L, out, k, stride, pad, Lout, nb;
    size_t per;
} tconv_job;

/* Output channels [o0, o1): Z = W[:, o0*k .. o1*k)^T x per block of input columns, then a
 * scatter-add of Z into those rows of y (so workers never write the same output). */
static void tconv_channels(void *p, int o0, int o1, int worker)
{
    const tconv_job *j = p;
    float *Z = j->scratch + j->per * (size_t)worker;
    float *xin = Z + (size_t)j->out * j->k * j->nb;
    int OK = j->out * j->k, rows = (o1 - o0) * j->k;
    for (int o = o0; o < o1; o++) {
        float v = j->b ? j->b[o] : 0.0f;
        for (int t = 0; t < j->Lout; t++)
            j->y[(size_t)o * j->Lout + t] = v;
    }
    for (int s0 = 0; s0 < j->L; s0 += j->nb) {
        int n = j->L - s0 < j->nb ? j->L - s0 : j->nb;
        const float *xb;
        int ldx;
        if (j->pre || !j->x->f32) {
            for (int c = 0; c < j->in; c++)
                kk_buf_read_pre(j->x, j->pre, c, s0, n, xin + (size_t)c * n);
            xb = xin;
            ldx = n;
        } else {
            xb = j->x->f32 + s0;
            ldx = j->L;
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, n, j->in, 1.0f,
                    j->W + (size_t)o0 * j->k, OK, xb, ldx, 0.0f, Z, n);
        for (int o = o0; o < o1; o++) {
            float *yr = j->y + (size_t)o * j->Lout;
            for (int q = 0; q < j->k; q++) {
                const float *z = Z + ((size_t)(o - o0) * j->k + q) * n;
                long t = (long)s0 * j->stride + q - j->pad;
                for (int s = 0; s < n; s++, t += j->stride)
                    if (t >= 0 && t < j->Lout)
                        yr[t] += z[s];
            }
        }
    }
}

void kk_conv_transpose1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                             int out, int k, int stride, int pad, int outpad, float *y,
                             float *scratch, int threads)
{
    tconv_job j = {x, W, b, pre, y, scratch, x->C, x->L, out, k, stride, pad,
                   kk_conv_transpose1d_len(x->L, k, stride, pad, outpad),
                   block_in_cols(out, k, x->L), tr_per_worker(x->C, out, x->L, k)};
    kk_parallel_for(threads < 1 ? 1 : threads, out, tconv_channels, &j);
}

void kk_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                         const float *b, int out, int k, int stride, int pad, int outpad, float *y,
                         float *scratch, int threads)
{
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_conv_transpose1d_buf(&xa, pre, W, b, out, k, stride, pad, outpad, y, scratch, threads);
}

typedef struct {
    const float *x, *W, *b;
    const kk_pre *pre;
    float *y;
    int L, k, stride, pad, Lout;
} dw_job;

static void dw_channels(void *p, int c0, int c1, int worker)
{
    const dw_job *j = p;
    (void)worker;
    for (int c = c0; c < c1; c++) {
        float *yr = j->y + (size_t)c * j->Lout;
        const float *xr = j->x + (size_t)c * j->L;
        const float *w = j->W + (size_t)c * j->k;
        float bias = j->b ? j->b[c] : 0.0f;
        for (int t = 0; t < j->Lout; t++)
            yr[t] = bias;
        for (int s = 0; s < j->L; s++) {
            float v = xr[s];
            if (j->pre)
                kk_apply_pre_row(j->pre, c, xr + s, &v, 1);
            for (int q = 0; q < j->k; q++) {
                long t = (long)s * j->stride + q - j->pad;
                if (t >= 0 && t < j->Lout)
                    yr[t] += v * w[q];
            }
        }
    }
}

void kk_conv_transpose1d_depthwise(const float *x, int C, int L, const kk_pre *pre, const float *W,
                                   const float *b, int k, int stride, int pad, int outpad,
                                   float *y, int threads)
{
    dw_job j = {x, W, b, pre, y, L, k, stride, pad, kk_conv_transpose1d_len(L, k, stride, pad, outpad)};
    kk_parallel_for(threads < 1 ? 1 : threads, C, dw_channels, &j);
}
