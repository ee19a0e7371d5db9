/* Comparisons may be if-converted (vectorised) only when they are not treated as trapping. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <math.h>

#include "nn/nn.h"
#include "nn/parallel.h"

void kk_leaky_relu(float *x, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] * (x[i] < 0.0f ? slope : 1.0f);
}

void kk_gelu_new(float *x, size_t n)
{
    /* transformers' NewGELUActivation: the tanh approximation, constants applied in float32 */
    const float k = 0.7978845608028654f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

void kk_apply_pre_row(const kk_pre *p, int c, const float *restrict src, float *restrict dst, int n)
{
    const float sc = p->scale ? p->scale[c] : 1.0f;
    const float sh = p->shift ? p->shift[c] : 0.0f;
    switch (p->act) {
    case KK_ACT_NONE:
        for (int i = 0; i < n; i++)
            dst[i] = src[i] * sc + sh;
        break;
    case KK_ACT_LEAKY: {
        const float slope = p->slope;
        for (int i = 0; i < n; i++) {
            float v = src[i] * sc + sh;
            dst[i] = v * (v < 0.0f ? slope : 1.0f);
        }
        break;
    }
    case KK_ACT_SNAKE: {
        const float a = p->alpha[c];
        const float inv = 1.0f / a; /* PyTorch takes the reciprocal first, then multiplies */
        for (int i = 0; i < n; i++) {
            float v = src[i] * sc + sh;
            float s = kk_sinf(a * v);
            dst[i] = v + inv * (s * s);
        }
        break;
    }
    }
}

typedef struct {
    const float *x;
    float *y;
    int L;
    const kk_pre *pre;
} pre_job;

static void pre_channels(void *p, int c0, int c1, int worker)
{
    const pre_job *j = p;
    (void)worker;
    for (int c = c0; c < c1; c++)
        kk_apply_pre_row(j->pre, c, j->x + (size_t)c * j->L, j->y + (size_t)c * j->L, j->L);
}

void kk_apply_pre(const float *x, int C, int L, const kk_pre *pre, float *y, int threads)
{
    pre_job j = {x, y, L, pre};
    kk_parallel_for((long)C * L < 65536 ? 1 : threads, C, pre_channels, &j);
}
