/* Weights packed once at load for the CPU engine's own GEMM (see kk_weights_prepack). */
#include <malloc.h>
#include <stdlib.h>

#include "engine/forward.h"
#include "engine/weights.h"
#include "util/error.h"

/* Room for one more owned buffer of n floats: *out is malloc'd and already recorded in w. */
static kokoro_status new_packed(kk_weights *w, size_t n, float **out, kokoro_error *err)
{
    float **grown = realloc(w->packed, sizeof *grown * (size_t)(w->n_packed + 1));
    if (!grown)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory packing weights");
    w->packed = grown;
    float *p = malloc(sizeof(float) * n);
    if (!p)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory packing weights");
    w->packed[w->n_packed++] = p;
    *out = p;
    return KOKORO_OK;
}

/* The original is given back: nothing reads it once its packed form exists. */
static void give_back(const kk_weight_source *src, const float **orig)
{
    if (src->release)
        src->release(src->ctx, *orig);
    *orig = NULL;
}

static kokoro_status pack_conv(kk_weights *w, kk_conv_w *c, const kk_weight_source *src,
                               kokoro_error *err)
{
    if (!c->w || c->packed)
        return KOKORO_OK;
    float *p = NULL;
    kokoro_status st = new_packed(w, kk_conv1d_packed_floats(c->out, c->in, c->k), &p, err);
    if (st != KOKORO_OK)
        return st;
    if (!kk_conv1d_pack(c->w, c->out, c->in, c->k, p))
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory packing weights");
    c->packed = p;
    give_back(src, &c->w);
    return KOKORO_OK;
}

/* The generator's upsampling ConvTranspose1d layers (w [in][out][k]), by output phases. */
static kokoro_status pack_tconv(kk_weights *w, kk_conv_w *c, int stride,
                                const kk_weight_source *src, kokoro_error *err)
{
    if (!c->w || c->packed)
        return KOKORO_OK;
    float *p = NULL;
    kokoro_status st = new_packed(w, kk_tconv_packed_floats(c->in, c->out, c->k, stride), &p, err);
    if (st != KOKORO_OK)
        return st;
    if (!kk_tconv_pack(c->w, c->in, c->out, c->k, stride, p))
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory packing weights");
    c->packed = p;
    give_back(src, &c->w);
    return KOKORO_OK;
}

static kokoro_status pack_lin(kk_weights *w, kk_lin_w *l, const kk_weight_source *src,
                              kokoro_error *err)
{
    if (!l->w || l->packed)
        return KOKORO_OK;
    float *p = NULL;
    kokoro_status st = new_packed(w, kk_linear_packed_floats(l->in, l->out), &p, err);
    if (st != KOKORO_OK)
        return st;
    kk_linear_pack(l->w, l->in, l->out, p);
    l->packed = p;
    give_back(src, &l->w);
    return KOKORO_OK;
}

static kokoro_status pack_resblk(kk_weights *w, kk_resblk_w *r, const kk_weight_source *src,
                                 kokoro_error *err)
{
    kokoro_status st = pack_conv(w, &r->conv1, src, err);
    if (st == KOKORO_OK)
        st = pack_conv(w, &r->conv2, src, err);
    return st == KOKORO_OK ? pack_conv(w, &r->conv1x1, src, err) : st;
}

kokoro_status kk_weights_prepack(kk_weights *w, const kk_weight_source *src, kokoro_error *err)
{
    kk_lin_w *lins[] = {&w->bert.map_in, &w->bert.q,   &w->bert.k,       &w->bert.v,
                        &w->bert.dense,  &w->bert.ffn, &w->bert.ffn_out, &w->bert_encoder};
    kokoro_status st = KOKORO_OK;
    for (size_t i = 0; st == KOKORO_OK && i < sizeof lins / sizeof *lins; i++)
        st = pack_lin(w, lins[i], src, err);
    if (st == KOKORO_OK)
        st = pack_resblk(w, &w->dec.encode, src, err);
    for (int i = 0; st == KOKORO_OK && i < KK_DECODE_BLOCKS; i++)
        st = pack_resblk(w, &w->dec.decode[i], src, err);
    for (int i = 0; st == KOKORO_OK && i < 3; i++) {
        st = pack_resblk(w, &w->pred.F0[i], src, err);
        if (st == KOKORO_OK)
            st = pack_resblk(w, &w->pred.N[i], src, err);
    }
    for (int i = 0; st == KOKORO_OK && i < w->text.n_cnn; i++)
        st = pack_conv(w, &w->text.cnn[i], src, err);
    for (int i = 0; st == KOKORO_OK && i < w->gen.n_ups; i++)
        st = pack_tconv(w, &w->gen.ups[i], w->cfg.upsample_rates[i], src, err);
    malloc_trim(0); /* the originals and the packing temporaries leave holes in the heap */
    return st;
}

void kk_weights_free_prepack(kk_weights *w)
{
    for (int i = 0; i < w->n_packed; i++)
        free(w->packed[i]);
    free(w->packed);
    w->packed = NULL;
    w->n_packed = 0;
}

/*
 * The decoder's AdainResBlk1d convolutions (k = 3, 512 to 1090 channels at the frame rate or
 * twice it; engine/fast_conv.c plans them) run by Winograd F(4, 3) from KK_WINO_MIN_LEN columns
 * on: half the multiply-adds, for filters made per call from the packed taps (six planes written
 * and read back where direct convolution reads three). Both costs scale with in x out, so the
 * break-even length does not depend on the layer: measured (kokoro bench, 2 threads) the decoder
 * took 0.037 -> 0.045 s on the short input (92 frames), 0.152 -> 0.12-0.13 s on the medium one
 * (496) and 0.51 -> 0.39 s on the long one (1604). Below the threshold, and for --conv direct,
 * the packed direct path.
 */
#define KK_WINO_MIN_LEN 256

void kk_conv_same(kk_forward *f, const kk_conv_w *c, const float *x, int L, const kk_pre *pre,
                  float *y, int accumulate)
{
    int pad = c->k / 2;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    if (c->wino && !f->opt->direct_conv && L >= KK_WINO_MIN_LEN) {
        const kk_conv_wino *p = &c->wino->plan;
        float *U = kk_arena_floats(&f->arena, kk_conv_wino_packed_floats(p));
        if (c->packed)
            kk_conv_wino_filters_packed(p, c->packed, U, f->threads);
        else
            kk_conv_wino_filters(p, c->w, U, f->threads);
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_wino_scratch(p, L, 1, f->threads));
        kk_buf xb = kk_buf_f32((float *)x, c->in, L), yb = kk_buf_f32(y, c->out, L);
        kk_conv1d_wino(p, U, &xb, pre, c->b, 1, &yb, accumulate, sc, f->threads, NULL);
    } else if (c->packed) {
        float *sc = kk_arena_floats(&f->arena,
                                    kk_conv1d_packed_scratch(c->in, c->out, L, c->k, pad, 1, f->threads));
        kk_conv1d_packed(x, c->in, L, pre, c->packed, c->b, c->out, c->k, pad, 1, y, accumulate, sc,
                         f->threads);
    } else {
        float *sc = kk_arena_floats(&f->arena,
                                    kk_conv1d_scratch(c->in, c->out, L, c->k, 1, pad, 1, f->threads));
        kk_conv1d(x, c->in, L, pre, c->w, c->b, c->out, c->k, 1, pad, 1, y, accumulate, sc,
                  f->threads);
    }
    kk_arena_release(&f->arena, m);
}

void kk_lin(kk_forward *f, const kk_lin_w *l, const float *x, int n, float *y)
{
    if (!l->packed) {
        kk_linear(x, n, l->in, l->w, l->b, l->out, y, f->threads);
        return;
    }
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *sc = kk_arena_floats(&f->arena, kk_linear_packed_scratch(n, l->in, l->out));
    kk_linear_packed(x, n, l->in, l->packed, l->b, l->out, y, sc, f->threads);
    kk_arena_release(&f->arena, m);
}
