#include <cblas.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

typedef struct {
    const float *x, *W, *b;
    float *y;
    int in, out, n, rows;
} lin_job;

/* Rows in groups of `rows` (fixed by n alone: the GEMM shapes, and so the rounding, do not depend
 * on the thread count). */
static void lin_rows(void *p, int g0, int g1, int worker)
{
    const lin_job *j = p;
    (void)worker;
    int r0 = g0 * j->rows, r1 = g1 * j->rows < j->n ? g1 * j->rows : j->n;
    for (int a = r0; a < r1; a += j->rows) {
        int e = a + j->rows < r1 ? a + j->rows : r1;
        if (j->b)
            for (int i = a; i < e; i++)
                memcpy(j->y + (size_t)i * j->out, j->b, sizeof(float) * j->out);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, e - a, j->out, j->in, 1.0f,
                    j->x + (size_t)a * j->in, j->in, j->W, j->in, j->b ? 1.0f : 0.0f,
                    j->y + (size_t)a * j->out, j->out);
    }
}

void kk_linear(const float *x, int n, int in, const float *W, const float *b, int out, float *y,
               int threads)
{
    /* eight groups, none under 16 rows: below that the split costs more than it saves */
    int rows = (n + 7) / 8;
    if (rows < 16)
        rows = 16;
    lin_job j = {x, W, b, y, in, out, n, rows};
    kk_parallel_for(threads, (n + rows - 1) / rows, lin_rows, &j);
}
