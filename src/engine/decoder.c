/* Decoder up to the generator: F0/N stride-2 convs, encode, asr_res, decode.0-3. */
#include <stdio.h>
#include <string.h>

#include "engine/forward.h"

/* dst [C1 + C2 + 2][F] = concat(a [C1][F], b [C2][F], F0d [F], Nd [F]) on channels */
static float *concat(kk_forward *f, const float *a, int C1, const float *b, int C2,
                     const float *F0d, const float *Nd, int F)
{
    float *x = kk_arena_floats(&f->arena, (size_t)(C1 + C2 + 2) * F);
    memcpy(x, a, sizeof(float) * (size_t)C1 * F);
    if (C2)
        memcpy(x + (size_t)C1 * F, b, sizeof(float) * (size_t)C2 * F);
    memcpy(x + (size_t)(C1 + C2) * F, F0d, sizeof(float) * F);
    memcpy(x + (size_t)(C1 + C2 + 1) * F, Nd, sizeof(float) * F);
    return x;
}

float *kk_decoder(kk_forward *f, const float *asr, const float *F0, const float *N, int F,
                  const float *s_dec)
{
    const kk_weights *w = f->w;
    int D = w->dec.asr_dim, Hd = w->dec.hidden, R = w->dec.asr_res_dim;
    kk_arena_mark_t m0 = kk_arena_mark(&f->arena);
    float *F0d = kk_arena_floats(&f->arena, (size_t)F);
    float *Nd = kk_arena_floats(&f->arena, (size_t)F);
    float *sc = kk_arena_floats(&f->arena, kk_conv1d_scratch(1, 1, 2 * F, 3, 2, 1, 1, f->threads));
    kk_conv1d(F0, 1, 2 * F, NULL, w->dec.F0_conv.w, w->dec.F0_conv.b, 1, 3, 2, 1, 1, F0d, 0, sc, f->threads);
    kk_conv1d(N, 1, 2 * F, NULL, w->dec.N_conv.w, w->dec.N_conv.b, 1, 3, 2, 1, 1, Nd, 0, sc, f->threads);
    kk_dump(f, "dbg_dec_F0_conv", F0d, 0, 3, 1, 1, F);
    kk_dump(f, "dbg_dec_N_conv", Nd, 0, 3, 1, 1, F);

    float *x = concat(f, asr, D, NULL, 0, F0d, Nd, F);
    x = kk_resblk(f, &w->dec.encode, x, F, s_dec);
    kk_dump(f, "dbg_dec_encode", x, 0, 3, 1, Hd, F);
    float *res = kk_arena_floats(&f->arena, (size_t)R * F);
    kk_conv1d(asr, D, F, NULL, w->dec.asr_res.w, w->dec.asr_res.b, R, 1, 1, 0, 1, res, 0, NULL, f->threads);
    kk_dump(f, "dbg_dec_asr_res", res, 0, 3, 1, R, F);

    for (int i = 0; i < KK_DECODE_BLOCKS; i++) {
        const kk_resblk_w *blk = &w->dec.decode[i];
        float *in = concat(f, x, Hd, res, R, F0d, Nd, F);
        x = kk_resblk(f, blk, in, F, s_dec);
        char name[32];
        snprintf(name, sizeof name, "dbg_dec_decode%d", i);
        kk_dump(f, name, x, 0, 3, 1, blk->dim_out, blk->upsample ? 2 * F : F);
    }
    /* Keep only the result: copy it down to where this call's allocations started. */
    const kk_resblk_w *last = &w->dec.decode[KK_DECODE_BLOCKS - 1];
    size_t n = (size_t)last->dim_out * 2 * F;
    kk_arena_release(&f->arena, m0);
    float *out = kk_arena_floats(&f->arena, n);
    memmove(out, x, n * sizeof(float));
    return out;
}
