#include <cblas.h>
#include <string.h>

#include "nn/nn.h"

/* im2col blocks hold at most this many floats (4 MB), so temporaries stay bounded whatever the
 * sequence length; large enough that each block is one efficient GEMM. */
#define KK_COL_FLOATS (1 << 20)

int kk_conv1d_len(int L, int k, int stride, int pad, int dil)
{
    return (L + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

static int block_cols(int in, int k, int Lout)
{
    long nb = KK_COL_FLOATS / ((long)in * k);
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

size_t kk_conv1d_scratch(int in, int L, int k, int stride, int pad, int dil)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return 0;
    int nb = block_cols(in, k, Lout);
    return (size_t)in * k * nb + (size_t)in * span_of(nb, k, stride, dil);
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

void kk_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W, const float *b,
               int out, int k, int stride, int pad, int dil, float *y, int accumulate,
               float *scratch)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return;
    for (int o = 0; o < out; o++) {
        float *row = y + (size_t)o * Lout;
        if (!accumulate) {
            float v = b ? b[o] : 0.0f;
            for (int t = 0; t < Lout; t++)
                row[t] = v;
        } else if (b) {
            for (int t = 0; t < Lout; t++)
                row[t] += b[o];
        }
    }
    int IK = in * k;
    if (k == 1 && stride == 1 && pad == 0 && !pre) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, Lout, in, 1.0f, W, in, x, L,
                    1.0f, y, Lout);
        return;
    }
    int nb = block_cols(in, k, Lout);
    float *col = scratch;
    float *xin = scratch + (size_t)IK * nb;
    for (int t0 = 0; t0 < Lout; t0 += nb) {
        int n = Lout - t0 < nb ? Lout - t0 : nb;
        long lo = (long)t0 * stride - pad;
        size_t span = span_of(n, k, stride, dil);
        gather_input(x, in, L, pre, lo, span, xin);
        for (int c = 0; c < in; c++) {
            const float *src = xin + (size_t)c * span;
            for (int j = 0; j < k; j++) {
                float *dst = col + ((size_t)c * k + j) * n;
                const float *s = src + (size_t)j * dil;
                if (stride == 1)
                    memcpy(dst, s, sizeof(float) * n);
                else
                    for (int t = 0; t < n; t++)
                        dst[t] = s[(size_t)t * stride];
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, n, IK, 1.0f, W, IK, col, n,
                    1.0f, y + t0, Lout);
    }
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

size_t kk_conv_transpose1d_scratch(int in, int out, int L, int k)
{
    int nb = block_in_cols(out, k, L);
    return (size_t)out * k * nb + (size_t)in * nb;
}

/* y[o][s*stride + j - pad] += sum_i W[i][o][j] x[i][s]: one GEMM Z = W^T x per block of input
 * columns (Z[(o,j)][s]), then a scatter-add of Z into y. */
void kk_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                         const float *b, int out, int k, int stride, int pad, int outpad, float *y,
                         float *scratch)
{
    int Lout = kk_conv_transpose1d_len(L, k, stride, pad, outpad);
    for (int o = 0; o < out; o++) {
        float v = b ? b[o] : 0.0f;
        for (int t = 0; t < Lout; t++)
            y[(size_t)o * Lout + t] = v;
    }
    int nb = block_in_cols(out, k, L);
    float *Z = scratch;
    float *xin = scratch + (size_t)out * k * nb;
    int OK = out * k;
    for (int s0 = 0; s0 < L; s0 += nb) {
        int n = L - s0 < nb ? L - s0 : nb;
        const float *xb;
        int ldx;
        if (pre) {
            for (int c = 0; c < in; c++)
                kk_apply_pre_row(pre, c, x + (size_t)c * L + s0, xin + (size_t)c * n, n);
            xb = xin;
            ldx = n;
        } else {
            xb = x + s0;
            ldx = L;
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OK, n, in, 1.0f, W, OK, xb, ldx, 0.0f,
                    Z, n);
        for (int o = 0; o < out; o++) {
            float *yr = y + (size_t)o * Lout;
            for (int j = 0; j < k; j++) {
                const float *z = Z + ((size_t)o * k + j) * n;
                for (int s = 0; s < n; s++) {
                    long t = (long)(s0 + s) * stride + j - pad;
                    if (t >= 0 && t < Lout)
                        yr[t] += z[s];
                }
            }
        }
    }
}

void kk_conv_transpose1d_depthwise(const float *x, int C, int L, const kk_pre *pre, const float *W,
                                   const float *b, int k, int stride, int pad, int outpad,
                                   float *y)
{
    int Lout = kk_conv_transpose1d_len(L, k, stride, pad, outpad);
    for (int c = 0; c < C; c++) {
        float *yr = y + (size_t)c * Lout;
        const float *xr = x + (size_t)c * L;
        const float *w = W + (size_t)c * k;
        float bias = b ? b[c] : 0.0f;
        for (int t = 0; t < Lout; t++)
            yr[t] = bias;
        for (int s = 0; s < L; s++) {
            float v = xr[s];
            if (pre)
                kk_apply_pre_row(pre, c, xr + s, &v, 1);
            for (int j = 0; j < k; j++) {
                long t = (long)s * stride + j - pad;
                if (t >= 0 && t < Lout)
                    yr[t] += v * w[j];
            }
        }
    }
}
