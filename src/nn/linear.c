#include <cblas.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "nn/parallel.h"
#include "nn/simd.h"
#include "nn/strided.h"

typedef struct {
    const float *x, *W, *b;
    float *y;
    int in, out, n, cols;
} lin_job;

/* Output features in groups of `cols`, fixed by the layer's shape alone: the GEMM shapes, and so
 * the rounding, do not depend on the thread count. Splitting the features (not the rows) means
 * each weight is packed by the BLAS once per call: for the few rows of a short text (ALBERT, the
 * LSTMs' input projections) packing W costs about as much as using it. */
static void lin_cols(void *p, int g0, int g1, int worker)
{
    const lin_job *j = p;
    (void)worker;
    for (int g = g0; g < g1; g++) {
        int c0 = g * j->cols, c1 = c0 + j->cols < j->out ? c0 + j->cols : j->out;
        if (j->b)
            for (int i = 0; i < j->n; i++)
                memcpy(j->y + (size_t)i * j->out + c0, j->b + c0, sizeof(float) * (size_t)(c1 - c0));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->n, c1 - c0, j->in, 1.0f, j->x,
                    j->in, j->W + (size_t)c0 * j->in, j->in, j->b ? 1.0f : 0.0f, j->y + c0,
                    j->out);
    }
}

void kk_linear(const float *x, int n, int in, const float *W, const float *b, int out, float *y,
               int threads)
{
    /* eight groups of at least 64 features, and no split at all for tiny products */
    int cols = ((out + 7) / 8 + 15) & ~15;
    if (cols < 64)
        cols = 64;
    if ((long)n * in * out < (1L << 18))
        cols = out;
    lin_job j = {x, W, b, y, in, out, n, cols};
    kk_parallel_for(threads, (out + cols - 1) / cols, lin_cols, &j);
}

/* ------------------------------------------------------------------ weights packed at load */

size_t kk_linear_packed_floats(int in, int out)
{
    return kk_gemm_packed_floats(out, in);
}

void kk_linear_pack(const float *W, int in, int out, float *packed)
{
    kk_gemm_pack(W, in, out, in, packed);
}

size_t kk_linear_packed_scratch(int n, int in, int out)
{
    return (size_t)n * in + (size_t)n * out;
}

/*
 * The packed GEMM wants x^T [in][n] and gives y^T [out][n]; x and y are token-major [n][in] and
 * [n][out]. Both transposes move 8 x 8 squares through registers (nn/strided.h) and run on the
 * workers: one scalar strided load and store per element, on one thread, took a tenth of ALBERT
 * on a 400-token text.
 */
/* dst[c][r] = src[r][c] (+ bias[r]) for r in [r0, r1), c in [c0, c1); row strides lds, ldd */
KK_SIMD_CLONES
static void transpose_block(float *restrict dst, size_t ldd, const float *restrict src,
                            size_t lds, int r0, int r1, int c0, int c1, const float *bias)
{
    int r = r0;
    for (; r + 8 <= r1; r += 8) {
        kk_vec8 bv = {0};
        if (bias)
            KK_MOVE8(&bv, bias + r);
        int c = c0;
        for (; c + 8 <= c1; c += 8) {
            kk_vec8 v[8];
            for (int i = 0; i < 8; i++)
                KK_MOVE8(&v[i], src + (size_t)(r + i) * lds + c);
            kk_transpose8(v);
            for (int i = 0; i < 8; i++) {
                if (bias) /* not + 0: -0 would become +0 */
                    v[i] += bv;
                KK_MOVE8(dst + (size_t)(c + i) * ldd + r, &v[i]);
            }
        }
        for (; c < c1; c++)
            for (int i = 0; i < 8; i++) {
                float v = src[(size_t)(r + i) * lds + c];
                dst[(size_t)c * ldd + r + i] = bias ? v + bias[r + i] : v;
            }
    }
    for (; r < r1; r++)
        for (int c = c0; c < c1; c++) {
            float v = src[(size_t)r * lds + c];
            dst[(size_t)c * ldd + r] = bias ? v + bias[r] : v;
        }
}

typedef struct {
    const float *x;
    float *xt;
    int n, in, cols;
} xt_job;

static void transpose_in(void *p, int g0, int g1, int worker)
{
    const xt_job *j = p;
    int c0 = g0 * j->cols, c1 = g1 * j->cols < j->in ? g1 * j->cols : j->in;
    (void)worker;
    transpose_block(j->xt, (size_t)j->n, j->x, (size_t)j->in, 0, j->n, c0, c1, NULL);
}

typedef struct {
    const float *packed, *xt, *b;
    float *yt, *y;
    int n, in, out, rows;
} plin_job;

/* Rows [r0, r1) of y^T, then those columns of y (from cache, by the worker that made them). */
static void plin_rows(void *p, int g0, int g1, int worker)
{
    const plin_job *j = p;
    (void)worker;
    int r0 = g0 * j->rows, r1 = g1 * j->rows < j->out ? g1 * j->rows : j->out;
    kk_gemm_packed_rows(j->out, r0, r1, j->n, j->in, j->packed, j->xt, j->n, j->yt, j->n, 0);
    transpose_block(j->y, (size_t)j->out, j->yt, (size_t)j->n, r0, r1, 0, j->n, j->b);
}

void kk_linear_packed(const float *x, int n, int in, const float *packed, const float *b, int out,
                      float *y, float *scratch, int threads)
{
    float *xt = scratch, *yt = scratch + (size_t)n * in;
    xt_job xj = {x, xt, n, in, 64};
    kk_parallel_for(threads, (in + xj.cols - 1) / xj.cols, transpose_in, &xj);
    /* eight row groups of whole panels, at least 64 rows each */
    int mr = kk_gemm_panel_rows();
    int rows = (out + 7) / 8;
    if (rows < 64)
        rows = 64;
    rows = (rows + mr - 1) / mr * mr;
    plin_job j = {packed, xt, b, yt, y, n, in, out, rows};
    kk_parallel_for(threads, (out + rows - 1) / rows, plin_rows, &j);
}
