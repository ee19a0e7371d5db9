/* TextEncoder: embedding, n_layer x (Conv1d k5 -> channel LayerNorm -> LeakyReLU 0.2), BiLSTM. */
#include "engine/forward.h"

float *kk_text_encoder(kk_forward *f, const int64_t *ids, int T)
{
    const kk_weights *w = f->w;
    int D = w->cfg.hidden_dim;
    float *t_en = kk_arena_floats(&f->arena, (size_t)D * T);
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *x = kk_arena_floats(&f->arena, (size_t)D * T);
    float *y = kk_arena_floats(&f->arena, (size_t)D * T);
    float *xt = kk_arena_floats(&f->arena, (size_t)T * D);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < D; c++)
            x[(size_t)c * T + t] = w->text.embedding[(size_t)ids[t] * D + c];
    for (int i = 0; i < w->text.n_cnn; i++) {
        kk_conv_same(f, &w->text.cnn[i], x, T, NULL, y, 0);
        /* LayerNorm over channels at each step: transpose to token-major, normalise rows */
        for (int c = 0; c < D; c++)
            for (int t = 0; t < T; t++)
                xt[(size_t)t * D + c] = y[(size_t)c * T + t];
        kk_layernorm_rows(xt, T, D, w->text.gamma[i], w->text.beta[i], 1e-5f, xt);
        kk_leaky_relu(xt, (size_t)T * D, 0.2f);
        for (int c = 0; c < D; c++)
            for (int t = 0; t < T; t++)
                x[(size_t)c * T + t] = xt[(size_t)t * D + c];
    }
    /* x is [D][T]; the LSTM wants token-major input, xt already holds it */
    float *lo = kk_arena_floats(&f->arena, (size_t)T * D);
    float *ls = kk_arena_floats(&f->arena, kk_bilstm_scratch(T, D / 2));
    kk_bilstm(&w->text.lstm, xt, T, lo, ls, f->threads);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < D; c++)
            t_en[(size_t)c * T + t] = lo[(size_t)t * D + c];
    kk_arena_release(&f->arena, m);
    kk_dump(f, "t_en", t_en, 0, 3, 1, D, T);
    return t_en;
}
