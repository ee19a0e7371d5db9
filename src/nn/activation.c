#include <math.h>

#include "nn/nn.h"

/* Cody-Waite reduction by pi/2 in three parts, then the usual minimax polynomials on
 * [-pi/4, pi/4]. Branch-free so that loops over it vectorise. */
float kk_sinf(float x)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float j = (x * 0.636619772f + magic) - magic;
    float r = fmaf(-j, 1.5703125f, x);
    r = fmaf(-j, 4.837512969970703125e-4f, r);
    r = fmaf(-j, 7.549789954891882e-8f, r);
    int q = (int)j;
    float r2 = r * r;
    float s = fmaf(fmaf(fmaf(-1.9515295891e-4f, r2, 8.3321608736e-3f), r2, -1.6666654611e-1f),
                   r2 * r, r);
    float c = fmaf(fmaf(fmaf(2.443315711809948e-5f, r2, -1.388731625493765e-3f), r2,
                        4.166664568298827e-2f),
                   r2 * r2, fmaf(-0.5f, r2, 1.0f));
    float v = (q & 1) ? c : s;
    return (q & 2) ? -v : v;
}

void kk_leaky_relu(float *x, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0f ? x[i] * slope : x[i];
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

void kk_apply_pre_row(const kk_pre *p, int c, const float *src, float *dst, int n)
{
    float sc = p->scale ? p->scale[c] : 1.0f;
    float sh = p->shift ? p->shift[c] : 0.0f;
    switch (p->act) {
    case KK_ACT_NONE:
        for (int i = 0; i < n; i++)
            dst[i] = src[i] * sc + sh;
        break;
    case KK_ACT_LEAKY: {
        float slope = p->slope;
        for (int i = 0; i < n; i++) {
            float v = src[i] * sc + sh;
            dst[i] = v < 0.0f ? v * slope : v;
        }
        break;
    }
    case KK_ACT_SNAKE: {
        float a = p->alpha[c];
        float inv = 1.0f / a; /* PyTorch takes the reciprocal first, then multiplies */
        for (int i = 0; i < n; i++) {
            float v = src[i] * sc + sh;
            float s = kk_sinf(a * v);
            dst[i] = v + inv * (s * s);
        }
        break;
    }
    }
}

void kk_apply_pre(const float *x, int C, int L, const kk_pre *pre, float *y)
{
    for (int c = 0; c < C; c++)
        kk_apply_pre_row(pre, c, x + (size_t)c * L, y + (size_t)c * L, L);
}
