#include <cblas.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

typedef struct {
    const float *x, *W, *b;
    float *y;
    int in, out;
} lin_job;

static void lin_rows(void *p, int r0, int r1, int worker)
{
    const lin_job *j = p;
    (void)worker;
    if (j->b)
        for (int i = r0; i < r1; i++)
            memcpy(j->y + (size_t)i * j->out, j->b, sizeof(float) * j->out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, j->out, j->in, 1.0f,
                j->x + (size_t)r0 * j->in, j->in, j->W, j->in, j->b ? 1.0f : 0.0f,
                j->y + (size_t)r0 * j->out, j->out);
}

void kk_linear(const float *x, int n, int in, const float *W, const float *b, int out, float *y,
               int threads)
{
    lin_job j = {x, W, b, y, in, out};
    /* below ~16 rows per worker the split costs more than it saves */
    int t = n / 16 < threads ? (n / 16 > 0 ? n / 16 : 1) : threads;
    kk_parallel_for(t, n, lin_rows, &j);
}
