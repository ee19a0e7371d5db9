/* The AdaIN residual block shared by the prosody predictor's F0/N branches and the decoder
 * (StyleTTS2's AdainResBlk1d). */
#include <string.h>

#include "engine/forward.h"

void kk_adain_prepare_buf(kk_forward *f, const kk_adain_w *a, const kk_buf *x,
                          const float *style, float *scale, float *shift)
{
    int C = a->channels;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *gb = kk_arena_floats(&f->arena, 2 * (size_t)C);
    kk_linear(style, 1, a->fc.in, a->fc.w, a->fc.b, 2 * C, gb, f->threads);
    if (x)
        kk_adain_coeffs_buf(x, gb, a->norm_w, a->norm_b, scale, shift, f->threads);
    else
        kk_adain_fold(C, gb, a->norm_w, a->norm_b, scale, shift);
    kk_arena_release(&f->arena, m);
}

void kk_adain_prepare(kk_forward *f, const kk_adain_w *a, const float *x, int L,
                      const float *style, float *scale, float *shift)
{
    kk_buf b = kk_buf_f32((float *)x, a->channels, L);
    kk_adain_prepare_buf(f, a, &b, style, scale, shift);
}

/* residual: IN1 -> LeakyReLU(0.2) -> [pool: depthwise ConvTranspose x2] -> conv1 -> IN2 ->
 * LeakyReLU(0.2) -> conv2; shortcut: [nearest x2] -> [conv1x1]; out = (residual + shortcut) / sqrt 2 */
float *kk_resblk(kk_forward *f, const kk_resblk_w *r, const float *x, int L, const float *style)
{
    int in = r->dim_in, out = r->dim_out;
    int L2 = r->upsample ? 2 * L : L;
    float *y = kk_arena_floats(&f->arena, (size_t)out * L2);
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *sc1 = kk_arena_floats(&f->arena, (size_t)in), *sh1 = kk_arena_floats(&f->arena, (size_t)in);
    float *sc2 = kk_arena_floats(&f->arena, (size_t)out), *sh2 = kk_arena_floats(&f->arena, (size_t)out);

    /* shortcut into y (a 1x1 conv commutes with nearest upsampling, so it runs at rate L) */
    if (r->conv1x1.w || r->conv1x1.packed) {
        float *s = r->upsample ? kk_arena_floats(&f->arena, (size_t)out * L) : y;
        kk_conv_same(f, &r->conv1x1, x, L, NULL, s, 0);
        if (r->upsample)
            for (size_t c = 0; c < (size_t)out; c++)
                for (int t = 0; t < L; t++)
                    y[c * L2 + 2 * t] = y[c * L2 + 2 * t + 1] = s[c * L + t];
    } else if (r->upsample) {
        for (size_t c = 0; c < (size_t)out; c++)
            for (int t = 0; t < L; t++)
                y[c * L2 + 2 * t] = y[c * L2 + 2 * t + 1] = x[c * L + t];
    } else {
        memcpy(y, x, sizeof(float) * (size_t)out * L);
    }

    kk_adain_prepare(f, &r->norm1, x, L, style, sc1, sh1);
    kk_pre pre1 = {sc1, sh1, KK_ACT_LEAKY, 0.2f, NULL};
    float *h = kk_arena_floats(&f->arena, (size_t)out * L2);
    if (r->upsample) {
        float *p = kk_arena_floats(&f->arena, (size_t)in * L2);
        kk_conv_transpose1d_depthwise(x, in, L, &pre1, r->pool.w, r->pool.b, 3, 2, 1, 1, p, f->threads);
        kk_conv_same(f, &r->conv1, p, L2, NULL, h, 0);
    } else {
        kk_conv_same(f, &r->conv1, x, L, &pre1, h, 0);
    }
    kk_adain_prepare(f, &r->norm2, h, L2, style, sc2, sh2);
    kk_pre pre2 = {sc2, sh2, KK_ACT_LEAKY, 0.2f, NULL};
    kk_conv_same(f, &r->conv2, h, L2, &pre2, y, 1);
    const float rsqrt2 = 0.70710677f;
    for (size_t i = 0; i < (size_t)out * L2; i++)
        y[i] *= rsqrt2;
    kk_arena_release(&f->arena, m);
    return y;
}
