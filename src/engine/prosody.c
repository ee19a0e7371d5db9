/* The prosody predictor: bert_encoder, DurationEncoder, durations, and F0Ntrain (F0 and energy). */
#include <math.h>
#include <string.h>

#include "engine/forward.h"

float *kk_duration_encoder(kk_forward *f, const float *bert_out, int T, const float *s_pred)
{
    const kk_weights *w = f->w;
    int D = w->cfg.hidden_dim, S = w->cfg.style_dim, DS = D + S;
    float *x = kk_arena_floats(&f->arena, (size_t)T * DS);
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *d_en = kk_arena_floats(&f->arena, (size_t)T * D);
    kk_lin(f, &w->bert_encoder, bert_out, T, d_en);
    kk_dump_transposed(f, "d_en", d_en, T, D);

    /* x[t] = [content | s_pred] */
    for (int t = 0; t < T; t++) {
        memcpy(x + (size_t)t * DS, d_en + (size_t)t * D, sizeof(float) * D);
        memcpy(x + (size_t)t * DS + D, s_pred, sizeof(float) * S);
    }
    float *y = kk_arena_floats(&f->arena, (size_t)T * D);
    float *gb = kk_arena_floats(&f->arena, 2 * (size_t)D);
    float *scratch = kk_arena_floats(&f->arena, kk_bilstm_scratch(T, D / 2));
    for (int i = 0; i < w->pred.n_layer; i++) {
        kk_bilstm(&w->pred.lstms[i], x, T, y, scratch, f->threads);
        /* AdaLayerNorm: per token LayerNorm over channels, then (1 + gamma) x + beta */
        kk_linear(s_pred, 1, S, w->pred.ada_fc[i].w, w->pred.ada_fc[i].b, 2 * D, gb, f->threads);
        kk_layernorm_rows(y, T, D, NULL, NULL, 1e-5f, y);
        for (int t = 0; t < T; t++)
            for (int c = 0; c < D; c++)
                x[(size_t)t * DS + c] = (1.0f + gb[c]) * y[(size_t)t * D + c] + gb[D + c];
    }
    kk_arena_release(&f->arena, m);
    kk_dump(f, "pred_text_enc", x, 0, 3, 1, T, DS);
    return x;
}

int kk_predict_durations(kk_forward *f, const float *d, int T, float speed, int32_t *pred_dur)
{
    const kk_weights *w = f->w;
    int D = w->cfg.hidden_dim, MD = w->cfg.max_dur;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *x = kk_arena_floats(&f->arena, (size_t)T * D);
    float *scratch = kk_arena_floats(&f->arena, kk_bilstm_scratch(T, D / 2));
    kk_bilstm(&w->pred.lstm, d, T, x, scratch, f->threads);
    kk_dump(f, "pred_lstm", x, 0, 3, 1, T, D);
    float *logits = kk_arena_floats(&f->arena, (size_t)T * MD);
    kk_linear(x, T, D, w->pred.dur_proj.w, w->pred.dur_proj.b, MD, logits, f->threads);
    kk_dump(f, "duration_logits", logits, 0, 3, 1, T, MD);
    float *dur = kk_arena_floats(&f->arena, (size_t)T);
    int64_t *pd = (int64_t *)kk_arena_floats(&f->arena, 2 * (size_t)T);
    int F = 0;
    for (int t = 0; t < T; t++) {
        float s = 0.0f;
        for (int j = 0; j < MD; j++)
            s += 1.0f / (1.0f + expf(-logits[(size_t)t * MD + j]));
        dur[t] = s / speed;
        /* torch.round is round-half-to-even (rintf in the default rounding mode), then >= 1 */
        float r = rintf(dur[t]);
        pred_dur[t] = r < 1.0f ? 1 : (int32_t)r;
        pd[t] = pred_dur[t];
        F += pred_dur[t];
    }
    kk_dump(f, "duration", dur, 0, 2, 1, T);
    kk_dump(f, "pred_dur", pd, 1, 1, T);
    kk_arena_release(&f->arena, m);
    return F;
}

void kk_expand_tokens(const float *x, int T, int C, const int32_t *pred_dur, int F, float *y)
{
    int f0 = 0;
    for (int t = 0; t < T; t++) {
        for (int c = 0; c < C; c++) {
            float v = x[(size_t)t * C + c];
            float *row = y + (size_t)c * F + f0;
            for (int k = 0; k < pred_dur[t]; k++)
                row[k] = v;
        }
        f0 += pred_dur[t];
    }
}

/* One branch (F0 or N): three AdainResBlk1d (the middle one upsamples x2), then a 1x1 projection. */
static void branch(kk_forward *f, const kk_resblk_w *blk, const kk_conv_w *proj, const float *x,
                   int F, const float *s_pred, float *out)
{
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *h = kk_resblk(f, &blk[0], x, F, s_pred);
    h = kk_resblk(f, &blk[1], h, F, s_pred);
    h = kk_resblk(f, &blk[2], h, 2 * F, s_pred);
    kk_conv1d(h, proj->in, 2 * F, NULL, proj->w, proj->b, 1, 1, 1, 0, 1, out, 0, NULL, f->threads);
    kk_arena_release(&f->arena, m);
}

void kk_f0n(kk_forward *f, const float *en, int F, const float *s_pred, float *F0, float *N)
{
    const kk_weights *w = f->w;
    int D = w->cfg.hidden_dim, DS = D + w->cfg.style_dim;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *xt = kk_arena_floats(&f->arena, (size_t)F * DS);
    for (int c = 0; c < DS; c++)
        for (int t = 0; t < F; t++)
            xt[(size_t)t * DS + c] = en[(size_t)c * F + t];
    float *lo = kk_arena_floats(&f->arena, (size_t)F * D);
    float *scratch = kk_arena_floats(&f->arena, kk_bilstm_scratch(F, D / 2));
    kk_bilstm(&w->pred.shared, xt, F, lo, scratch, f->threads);
    kk_dump(f, "dbg_pred_shared_lstm", lo, 0, 3, 1, F, D);
    float *x = kk_arena_floats(&f->arena, (size_t)D * F);
    for (int t = 0; t < F; t++)
        for (int c = 0; c < D; c++)
            x[(size_t)c * F + t] = lo[(size_t)t * D + c];
    branch(f, w->pred.F0, &w->pred.F0_proj, x, F, s_pred, F0);
    branch(f, w->pred.N, &w->pred.N_proj, x, F, s_pred, N);
    kk_arena_release(&f->arena, m);
    kk_dump(f, "F0_pred", F0, 0, 2, 1, 2 * F);
    kk_dump(f, "N_pred", N, 0, 2, 1, 2 * F);
}
