/* Comparisons may be if-converted (vectorised) only when they are not treated as trapping. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <math.h>

#include "nn/nn.h"
#include "nn/parallel.h"
#include "nn/simd.h"

void kk_leaky_relu(float *x, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] * (x[i] < 0.0f ? slope : 1.0f);
}

/* transformers' NewGELUActivation, 0.5 v (1 + tanh z) with z = sqrt(2/pi) (v + 0.044715 v^3), in
 * the equal form v / (1 + e^(-2z)), so the loop vectorises (kk_exp_lane). -2z is clamped to
 * [-87, 88]; past either end the result is v or a signed zero to the last bit anyway. For large
 * negative v this is more exact than 1 + tanh z, whose cancellation costs float32 up to 1e-3
 * relative there; the absolute difference stays below 1e-7 |v|. */
KK_SIMD_CLONES
static void gelu_new(float *x, size_t n)
{
    const float k = 0.7978845608028654f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float y = -2.0f * (k * (v + 0.044715f * v * v * v));
        y = y < -87.0f ? -87.0f : (y > 88.0f ? 88.0f : y);
        x[i] = v / (1.0f + kk_exp_lane(y));
    }
}

/* a plain function around the cloned body: clang resolves a target_clones function only where
 * every declaration carries the attribute */
void kk_gelu_new(float *x, size_t n)
{
    gelu_new(x, n);
}

/* Snake's x + sin^2(a x) / a. sin^2 has period pi, so one reduction to r in [-pi/2, pi/2]
 * (Cody-Waite, pi in three parts) and one odd polynomial for sin r (Taylor to r^11: under 1e-9
 * on that range) replace the sin/cos pair and branch of a general sine: no lane selects, half
 * the multiplies. |a x| stays far below 2^22, where the rounding trick would stop working. */
KK_SIMD_CLONES
static void snake_row(const float *restrict src, float *restrict dst, int n, float sc, float sh,
                      float a, float inv)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    for (int i = 0; i < n; i++) {
        float v = src[i] * sc + sh;
        float x = a * v;
        float j = (x * 0.318309886f + magic) - magic;
        float r = fmaf(-j, 3.140625f, x);
        r = fmaf(-j, 9.67502593994140625e-4f, r);
        r = fmaf(-j, 1.509957990978376432e-7f, r);
        float r2 = r * r;
        float p = fmaf(r2, -2.5052108e-8f, 2.7557319e-6f);
        p = fmaf(r2, p, -1.9841270e-4f);
        p = fmaf(r2, p, 8.3333333e-3f);
        p = fmaf(r2, p, -1.6666667e-1f);
        float sn = fmaf(r * r2, p, r);
        dst[i] = v + inv * (sn * sn);
    }
}

KK_SIMD_CLONES
static void affine_row(const float *restrict src, float *restrict dst, int n, float sc, float sh)
{
    for (int i = 0; i < n; i++)
        dst[i] = src[i] * sc + sh;
}

KK_SIMD_CLONES
static void leaky_row(const float *restrict src, float *restrict dst, int n, float sc, float sh,
                      float slope)
{
    for (int i = 0; i < n; i++) {
        float v = src[i] * sc + sh;
        dst[i] = v * (v < 0.0f ? slope : 1.0f);
    }
}

void kk_apply_pre_row(const kk_pre *p, int c, const float *restrict src, float *restrict dst, int n)
{
    const float sc = p->scale ? p->scale[c] : 1.0f;
    const float sh = p->shift ? p->shift[c] : 0.0f;
    switch (p->act) {
    case KK_ACT_NONE:
        affine_row(src, dst, n, sc, sh);
        break;
    case KK_ACT_LEAKY:
        leaky_row(src, dst, n, sc, sh, p->slope);
        break;
    case KK_ACT_SNAKE: {
        const float a = p->alpha[c];
        snake_row(src, dst, n, sc, sh, a, 1.0f / a); /* PyTorch takes the reciprocal first */
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
