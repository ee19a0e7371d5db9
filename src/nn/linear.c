#include <cblas.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "nn/parallel.h"

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

typedef struct {
    const float *packed, *xt;
    float *yt;
    int n, in, out, rows;
} plin_job;

static void plin_rows(void *p, int g0, int g1, int worker)
{
    const plin_job *j = p;
    (void)worker;
    int r0 = g0 * j->rows, r1 = g1 * j->rows < j->out ? g1 * j->rows : j->out;
    kk_gemm_packed_rows(j->out, r0, r1, j->n, j->in, j->packed, j->xt, j->n, j->yt, j->n, 0);
}

void kk_linear_packed(const float *x, int n, int in, const float *packed, const float *b, int out,
                      float *y, float *scratch, int threads)
{
    float *xt = scratch, *yt = scratch + (size_t)n * in;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < in; c++)
            xt[(size_t)c * n + i] = x[(size_t)i * in + c];
    /* eight row groups of whole panels, at least 64 rows each */
    int mr = kk_gemm_panel_rows();
    int rows = (out + 7) / 8;
    if (rows < 64)
        rows = 64;
    rows = (rows + mr - 1) / mr * mr;
    plin_job j = {packed, xt, yt, n, in, out, rows};
    kk_parallel_for(threads, (out + rows - 1) / rows, plin_rows, &j);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++)
            y[(size_t)i * out + o] = yt[(size_t)o * n + i] + (b ? b[o] : 0.0f);
}
