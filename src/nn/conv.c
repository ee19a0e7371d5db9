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

size_t kk_conv1d_scratch(int in, int out, int L, int k, int stride, int pad, int dil, int threads)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return 0;
    if (threads < 1)
        threads = 1;
    if (use_shifted(k, stride)) {
        int nb = shift_cols(Lout, threads);
        return (size_t)out * in * k + (size_t)threads * ((size_t)in * span_of(nb, k, 1, dil) + 16);
    }
    int nb = block_cols(in, k, Lout, threads);
    return per_worker(in, k, stride, dil, nb) * (size_t)threads;
}

/* Copies x[c][lo .. lo+span) (zero outside [0, L)) through pre into dst[c][span]. */
static void gather_input(const float *x, int in, int L, const kk_pre *pre, long lo, size_t span,
                         float *dst)
{
    long a = lo < 0 ? 0 : lo;
    long e = lo + (long)span;
    if (e > L)
        e = L;
    for (int c = 0; c < in; c++) {
        float *d = dst + (size_t)c * span;
        const float *s = x + (size_t)c * L;
        size_t nl = (size_t)(a - lo);
        memset(d, 0, sizeof(float) * (nl < span ? nl : span));
        if (e > a) {
            if (pre)
                kk_apply_pre_row(pre, c, s + a, d + nl, (int)(e - a));
            else
                memcpy(d + nl, s + a, sizeof(float) * (size_t)(e - a));
        }
        size_t done = nl + (size_t)(e > a ? e - a : 0);
        if (done < span)
            memset(d + done, 0, sizeof(float) * (span - done));
    }
}

typedef struct {
    const float *x, *W, *b;
    const kk_pre *pre;
    float *y, *scratch;
    int in, L, out, k, stride, pad, dil, Lout, nb, accumulate;
    size_t per;
} conv_job;

static void conv_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    int IK = j->in * j->k;
    float *col = j->scratch + j->per * (size_t)worker;
    float *xin = col + (size_t)IK * j->nb;
    for (int blk = begin; blk < end; blk++) {
        int t0 = blk * j->nb;
        int n = j->Lout - t0 < j->nb ? j->Lout - t0 : j->nb;
        for (int o = 0; o < j->out; o++) {
            float *row = j->y + (size_t)o * j->Lout + t0;
            float bias = j->b ? j->b[o] : 0.0f;
            if (!j->accumulate)
                for (int t = 0; t < n; t++)
                    row[t] = bias;
            else if (j->b)
                for (int t = 0; t < n; t++)
                    row[t] += bias;
        }
        long lo = (long)t0 * j->stride - j->pad;
        size_t span = span_of(n, j->k, j->stride, j->dil);
        gather_input(j->x, j->in, j->L, j->pre, lo, span, xin);
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
                    n, 1.0f, j->y + t0, j->Lout);
    }
}

static void shifted_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    size_t span_max = span_of(j->nb, j->k, 1, j->dil);
    float *xin = j->scratch + (size_t)worker * ((size_t)j->in * span_max + 16);
    const float *Wk = j->W; /* [k][out][in] here */
    for (int blk = begin; blk < end; blk++) {
        int t0 = blk * j->nb;
        int n = j->Lout - t0 < j->nb ? j->Lout - t0 : j->nb;
        for (int o = 0; o < j->out; o++) {
            float *row = j->y + (size_t)o * j->Lout + t0;
            float bias = j->b ? j->b[o] : 0.0f;
            if (!j->accumulate)
                for (int t = 0; t < n; t++)
                    row[t] = bias;
            else if (j->b)
                for (int t = 0; t < n; t++)
                    row[t] += bias;
        }
        size_t span = span_of(n, j->k, 1, j->dil);
        gather_input(j->x, j->in, j->L, j->pre, (long)t0 - j->pad, span, xin);
        for (int q = 0; q < j->k; q++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->out, n, j->in, 1.0f,
                        Wk + (size_t)q * j->out * j->in, j->in, xin + (size_t)q * j->dil,
                        (int)span, 1.0f, j->y + t0, j->Lout);
    }
}

/* 1x1 convolution without an input transform: a GEMM straight on x, split over time. */
static void pointwise_cols(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    (void)worker;
    int n = end - begin;
    for (int o = 0; o < j->out; o++) {
        float *row = j->y + (size_t)o * j->Lout + begin;
        float bias = j->b ? j->b[o] : 0.0f;
        if (!j->accumulate)
            for (int t = 0; t < n; t++)
                row[t] = bias;
        else if (j->b)
            for (int t = 0; t < n; t++)
                row[t] += bias;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->out, n, j->in, 1.0f, j->W, j->in,
                j->x + begin, j->L, 1.0f, j->y + begin, j->Lout);
}

static void rearrange(const float *W, int out, int in, int k, float *Wk)
{
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++)
            for (int q = 0; q < k; q++)
                Wk[((size_t)q * out + o) * in + i] = W[((size_t)o * in + i) * k + q];
}

void kk_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W, const float *b,
               int out, int k, int stride, int pad, int dil, float *y, int accumulate,
               float *scratch, int threads)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return;
    if (threads < 1)
        threads = 1;
    conv_job j = {x, W, b, pre, y, scratch, in, L, out, k, stride, pad, dil, Lout, 0, accumulate, 0};
    if (k == 1 && stride == 1 && pad == 0 && !pre) {
        int per = 256; /* columns per share at least, so tiny convolutions stay on one thread */
        int t = Lout / per < threads ? (Lout / per > 0 ? Lout / per : 1) : threads;
        kk_parallel_for(t, Lout, pointwise_cols, &j);
        return;
    }
    if (use_shifted(k, stride)) {
        float *Wk = scratch;
        rearrange(W, out, in, k, Wk);
        j.W = Wk;
        j.scratch = scratch + (size_t)out * in * k;
        j.nb = shift_cols(Lout, threads);
        kk_parallel_for(threads, (Lout + j.nb - 1) / j.nb, shifted_blocks, &j);
        return;
    }
    j.nb = block_cols(in, k, Lout, threads);
    j.per = per_worker(in, k, stride, dil, j.nb);
    int blocks = (Lout + j.nb - 1) / j.nb;
    kk_parallel_for(threads, blocks, conv_blocks, &j);
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
    const float *x, *W, *b;
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
        if (j->pre) {
            for (int c = 0; c < j->in; c++)
                kk_apply_pre_row(j->pre, c, j->x + (size_t)c * j->L + s0, xin + (size_t)c * n, n);
            xb = xin;
            ldx = n;
        } else {
            xb = j->x + s0;
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

void kk_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                         const float *b, int out, int k, int stride, int pad, int outpad, float *y,
                         float *scratch, int threads)
{
    tconv_job j = {x, W, b, pre, y, scratch, in, L, out, k, stride, pad,
                   kk_conv_transpose1d_len(L, k, stride, pad, outpad), block_in_cols(out, k, L),
                   tr_per_worker(in, out, L, k)};
    kk_parallel_for(threads < 1 ? 1 : threads, out, tconv_channels, &j);
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
