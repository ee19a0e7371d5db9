#include <cblas.h>
#include <string.h>

#include "nn/nn.h"

void kk_linear(const float *x, int n, int in, const float *W, const float *b, int out, float *y)
{
    if (b) {
        for (int i = 0; i < n; i++)
            memcpy(y + (size_t)i * out, b, sizeof(float) * out);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, W, in,
                b ? 1.0f : 0.0f, y, out);
}
