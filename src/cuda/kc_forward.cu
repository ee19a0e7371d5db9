// The forward pass of Kokoro-82M on the device, module by module in the order of
// src/engine/model.c kk_forward_run. Everything is queued on the worker's stream; the host waits
// twice: for the durations (T values, which size the alignment and every later tensor: inherent
// to the model, whose frame count is data-dependent) and for the audio at the end.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda/kc_model.cuh"
#include "engine/forward.h"

namespace {

unsigned nblocks(size_t n)
{
    return (unsigned)((n + 255) / 256);
}

struct fwd {
    kc_backend *b;
    const kk_weights *w;
    kc_ctx c;
    const kk_backend_call *call;
    double t_mark;
    const float *d(const float *h) { return kc_dev(b, &c, h); }
    float *alloc(size_t n) { return kc_alloc(&c, n); }
    void linear(const float *x, int n, const kk_lin_w &l, float *y)
    {
        kc_linear(&c, x, n, l.in, d(l.w), d(l.b), l.out, y);
    }
    // Module timers for the benchmark: only when asked for, since they synchronise the stream.
    void lap(int timer)
    {
        if (!call->seconds)
            return;
        cudaStreamSynchronize(c.s);
        double now = std::chrono::duration<double>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
        call->seconds[timer] += now - t_mark;
        t_mark = now;
    }
};

/* ------------------------------------------------------------------ small kernels */

__global__ void k_albert_embed(const int64_t *ids, int T, int E, const float *word,
                               const float *pos, const float *tt, float *e)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)T * E)
        return;
    int t = (int)(i / E), ch = (int)(i % E);
    e[i] = (word[(size_t)ids[t] * E + ch] + tt[ch]) + pos[(size_t)t * E + ch];
}

// Softmax of each row of s (rows of len values), after dividing by scale as the CPU does.
__global__ void k_softmax(float *s, int rows, int len, float scale)
{
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return;
    float *r = s + (size_t)row * len;
    float m = -INFINITY;
    for (int j = lane; j < len; j += 32) {
        r[j] = r[j] / scale;
        m = fmaxf(m, r[j]);
    }
    for (int o = 16; o > 0; o >>= 1)
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    float sum = 0.0f;
    for (int j = lane; j < len; j += 32) {
        r[j] = expf(r[j] - m);
        sum += r[j];
    }
    for (int o = 16; o > 0; o >>= 1)
        sum += __shfl_xor_sync(0xffffffffu, sum, o);
    float inv = 1.0f / sum;
    for (int j = lane; j < len; j += 32)
        r[j] *= inv;
}

// x[t] = [src[t] (C1 values) | tail (C2 values)] for token-major rows
__global__ void k_concat_rows(const float *src, int T, int C1, const float *tail, int C2, float *x)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    int C = C1 + C2;
    if (i >= (size_t)T * C)
        return;
    int t = (int)(i / C), ch = (int)(i % C);
    x[i] = ch < C1 ? src[(size_t)t * C1 + ch] : tail[ch - C1];
}

// AdaLayerNorm's output into the first C columns of x[T][ld]: (1 + gamma) y + beta
__global__ void k_ada_layernorm_out(const float *y, int T, int C, const float *gb, float *x, int ld)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)T * C)
        return;
    int t = (int)(i / C), ch = (int)(i % C);
    x[(size_t)t * ld + ch] = (1.0f + gb[ch]) * y[i] + gb[C + ch];
}

// Durations: sum of sigmoids over max_dur logits / speed, rounded half-to-even, at least 1.
__global__ void k_durations(const float *logits, int T, int MD, float speed, int32_t *dur)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= T)
        return;
    float s = 0.0f;
    for (int j = 0; j < MD; j++)
        s += 1.0f / (1.0f + expf(-logits[(size_t)t * MD + j]));
    float r = rintf(s / speed);
    dur[t] = r < 1.0f ? 1 : (int32_t)r;
}

// tok[f]: the token frame f belongs to (serial: T is at most a few hundred).
__global__ void k_frame_tokens(const int32_t *dur, int T, int32_t *tok)
{
    if (blockIdx.x || threadIdx.x)
        return;
    int f = 0;
    for (int t = 0; t < T; t++)
        for (int r = 0; r < dur[t]; r++)
            tok[f++] = t;
}

// y[f][c] = x[tok[f]][c] (token-major rows)
__global__ void k_gather_rows(const float *x, int C, const int32_t *tok, int F, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)F * C)
        return;
    int f = (int)(i / C), ch = (int)(i % C);
    y[i] = x[(size_t)tok[f] * C + ch];
}

// y[c][f] = x[c][tok[f]] (channel-major columns, x has T columns)
__global__ void k_gather_cols(const float *x, int C, int T, const int32_t *tok, int F, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)F * C)
        return;
    int ch = (int)(i / F), f = (int)(i % F);
    y[i] = x[(size_t)ch * T + tok[f]];
}

// x[c][t] = emb[ids[t]][c]
__global__ void k_embed_cols(const int64_t *ids, int T, int C, const float *emb, float *x)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)T * C)
        return;
    int ch = (int)(i / T), t = (int)(i % T);
    x[i] = emb[(size_t)ids[t] * C + ch];
}

// y[c][2t] = y[c][2t+1] = x[c][t]
__global__ void k_nearest2(const float *x, int C, int L, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)C * L)
        return;
    size_t ch = i / L, t = i % L;
    y[ch * 2 * L + 2 * t] = y[ch * 2 * L + 2 * t + 1] = x[i];
}

// xs[c] += y[c] over Lup columns; the last stage's reflection pad puts y[c][1] at column 0.
__global__ void k_add_up(float *xs, int C, int Lst, const float *y, int Lup, int reflect)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)C * Lst)
        return;
    size_t ch = i / Lst;
    int t = (int)(i % Lst);
    int src = reflect ? (t == 0 ? 1 : t - 1) : t;
    if (src < Lup)
        xs[i] += y[ch * Lup + src];
}

// dst = (dst + src) / divisor, as kk_buf_sum
__global__ void k_sum_div(float *dst, const float *src, size_t n, float divisor)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        dst[i] = (dst[i] + src[i]) / divisor;
}

/* ------------------------------------------------------------------ modules */

float *albert(fwd &F, const int64_t *ids, int T)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int E = w->bert.emb, Hd = w->bert.hidden, NI = w->bert.inter, nh = w->bert.heads, dh = Hd / nh;
    float *h = F.alloc((size_t)T * Hd);
    kc_mark m = kc_mark_get(c);
    float *e = F.alloc((size_t)T * E), *ctx = F.alloc((size_t)T * Hd), *a = F.alloc((size_t)T * Hd);
    float *ff = F.alloc((size_t)T * NI), *q = F.alloc((size_t)T * Hd), *k = F.alloc((size_t)T * Hd);
    float *v = F.alloc((size_t)T * Hd), *s = F.alloc((size_t)nh * T * T);
    if (!kc_ok(c))
        return nullptr;
    k_albert_embed<<<nblocks((size_t)T * E), 256, 0, c->s>>>(ids, T, E, F.d(w->bert.word),
                                                             F.d(w->bert.position),
                                                             F.d(w->bert.token_type), e);
    kc_check(c, cudaGetLastError(), "ALBERT embeddings");
    kc_layernorm_rows(c, e, T, E, F.d(w->bert.ln_w), F.d(w->bert.ln_b), 1e-12f, e);
    F.linear(e, T, w->bert.map_in, h);
    float one = 1.0f, zero = 0.0f;
    for (int l = 0; l < w->bert.layers && kc_ok(c); l++) {
        F.linear(h, T, w->bert.q, q);
        F.linear(h, T, w->bert.k, k);
        F.linear(h, T, w->bert.v, v);
        // per head: s'[j][i] = k_h[j] . q_h[i] (column i of s' is query i's row of scores)
        kc_check_blas(c, cublasSgemmStridedBatched(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, T, T, dh,
                                                   &one, k, Hd, dh, q, Hd, dh, &zero, s, T,
                                                   (long long)T * T, nh),
                      "attention scores");
        k_softmax<<<(nh * T + 7) / 8, 256, 0, c->s>>>(s, nh * T, T, sqrtf((float)dh));
        kc_check(c, cudaGetLastError(), "softmax");
        kc_check_blas(c, cublasSgemmStridedBatched(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, dh, T, T,
                                                   &one, v, Hd, dh, s, T, (long long)T * T, &zero,
                                                   ctx, Hd, dh, nh),
                      "attention context");
        F.linear(ctx, T, w->bert.dense, a);
        kc_add(c, a, h, (size_t)T * Hd);
        kc_layernorm_rows(c, a, T, Hd, F.d(w->bert.attn_ln_w), F.d(w->bert.attn_ln_b), 1e-12f, a);
        F.linear(a, T, w->bert.ffn, ff);
        kc_gelu(c, ff, (size_t)T * NI);
        F.linear(ff, T, w->bert.ffn_out, h);
        kc_add(c, h, a, (size_t)T * Hd);
        kc_layernorm_rows(c, h, T, Hd, F.d(w->bert.full_ln_w), F.d(w->bert.full_ln_b), 1e-12f, h);
    }
    kc_release(c, m);
    return h;
}

// bert_encoder + DurationEncoder: -> x [T][D+S] token-major
float *duration_encoder(fwd &F, const float *bert, int T, const float *s_pred)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int D = w->cfg.hidden_dim, S = w->cfg.style_dim, DS = D + S;
    float *x = F.alloc((size_t)T * DS);
    kc_mark m = kc_mark_get(c);
    float *d_en = F.alloc((size_t)T * D), *y = F.alloc((size_t)T * D), *gb = F.alloc(2 * (size_t)D);
    if (!kc_ok(c))
        return nullptr;
    F.linear(bert, T, w->bert_encoder, d_en);
    k_concat_rows<<<nblocks((size_t)T * DS), 256, 0, c->s>>>(d_en, T, D, s_pred, S, x);
    kc_check(c, cudaGetLastError(), "duration encoder input");
    for (int i = 0; i < w->pred.n_layer && kc_ok(c); i++) {
        kc_bilstm(c, kc_dev_lstm(F.b, c, &w->pred.lstms[i]), x, T, y);
        F.linear(s_pred, 1, w->pred.ada_fc[i], gb);
        kc_layernorm_rows(c, y, T, D, nullptr, nullptr, 1e-5f, y);
        k_ada_layernorm_out<<<nblocks((size_t)T * D), 256, 0, c->s>>>(y, T, D, gb, x, DS);
        kc_check(c, cudaGetLastError(), "AdaLayerNorm");
    }
    kc_release(c, m);
    return x;
}

// Duration LSTM and projection, then the one wait of the pass: dur (device) -> pred_dur (host).
int durations(fwd &F, const float *x, int T, int32_t *dur_dev)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int D = w->cfg.hidden_dim, MD = w->cfg.max_dur;
    kc_mark m = kc_mark_get(c);
    float *lo = F.alloc((size_t)T * D), *logits = F.alloc((size_t)T * MD);
    if (!kc_ok(c))
        return 0;
    kc_bilstm(c, kc_dev_lstm(F.b, c, &w->pred.lstm), x, T, lo);
    F.linear(lo, T, w->pred.dur_proj, logits);
    k_durations<<<nblocks((size_t)T), 256, 0, c->s>>>(logits, T, MD, F.call->speed, dur_dev);
    kc_check(c, cudaGetLastError(), "durations");
    kc_release(c, m);
    if (!kc_ok(c))
        return 0;
    int32_t *pd = F.call->pred_dur;
    if (!kc_check(c, cudaMemcpyAsync(pd, dur_dev, sizeof(int32_t) * T, cudaMemcpyDeviceToHost, c->s),
                  "durations to host") ||
        !kc_check(c, cudaStreamSynchronize(c->s), "durations"))
        return 0;
    long total = 0;
    for (int t = 0; t < T; t++)
        total += pd[t];
    if (total > (1L << 24)) {
        kc_fail(c, KOKORO_ERR_TOO_LONG, "durations", "the predicted audio is too long");
        return 0;
    }
    return (int)total;
}

// AdainResBlk1d: x [dim_in][L] -> [dim_out][L or 2L]
float *resblk(fwd &F, const kk_resblk_w *r, const float *x, int L, const float *style)
{
    kc_ctx *c = &F.c;
    int in = r->dim_in, out = r->dim_out, L2 = r->upsample ? 2 * L : L;
    float *y = F.alloc((size_t)out * L2);
    kc_mark m = kc_mark_get(c);
    float *sc1 = F.alloc((size_t)in), *sh1 = F.alloc((size_t)in);
    float *sc2 = F.alloc((size_t)out), *sh2 = F.alloc((size_t)out);
    float *gb1 = F.alloc(2 * (size_t)in), *gb2 = F.alloc(2 * (size_t)out);
    float *h = F.alloc((size_t)out * L2);
    if (!kc_ok(c))
        return nullptr;
    if (r->conv1x1.w) {
        float *s = r->upsample ? F.alloc((size_t)out * L) : y;
        kc_conv1d(c, x, in, L, nullptr, F.d(r->conv1x1.w), nullptr, out, 1, 1, 0, 1, s, 0);
        if (r->upsample && kc_ok(c))
            k_nearest2<<<nblocks((size_t)out * L), 256, 0, c->s>>>(s, out, L, y);
    } else if (r->upsample) {
        k_nearest2<<<nblocks((size_t)out * L), 256, 0, c->s>>>(x, out, L, y);
    } else {
        kc_copy(c, y, x, (size_t)out * L);
    }
    kc_check(c, cudaGetLastError(), "resblock shortcut");
    F.linear(style, 1, r->norm1.fc, gb1);
    kc_adain_coeffs(c, x, in, L, gb1, F.d(r->norm1.norm_w), F.d(r->norm1.norm_b), sc1, sh1);
    kc_pre pre1;
    pre1.scale = sc1;
    pre1.shift = sh1;
    pre1.act = KC_ACT_LEAKY;
    pre1.slope = 0.2f;
    if (r->upsample) {
        float *p = F.alloc((size_t)in * L2);
        kc_conv_transpose1d_depthwise(c, x, in, L, &pre1, F.d(r->pool.w), F.d(r->pool.b), 3, 2, 1,
                                      1, p);
        kc_conv1d(c, p, in, L2, nullptr, F.d(r->conv1.w), F.d(r->conv1.b), out, 3, 1, 1, 1, h, 0);
    } else {
        kc_conv1d(c, x, in, L, &pre1, F.d(r->conv1.w), F.d(r->conv1.b), out, 3, 1, 1, 1, h, 0);
    }
    F.linear(style, 1, r->norm2.fc, gb2);
    kc_adain_coeffs(c, h, out, L2, gb2, F.d(r->norm2.norm_w), F.d(r->norm2.norm_b), sc2, sh2);
    kc_pre pre2 = pre1;
    pre2.scale = sc2;
    pre2.shift = sh2;
    kc_conv1d(c, h, out, L2, &pre2, F.d(r->conv2.w), F.d(r->conv2.b), out, 3, 1, 1, 1, y, 1);
    kc_scale(c, y, (size_t)out * L2, 0.70710677f);
    kc_release(c, m);
    return y;
}

// F0Ntrain: x [T][D+S] token-major, tok[F] -> F0[2F], N[2F]
void f0n(fwd &F, const float *x, int T, const int32_t *tok, int nF, const float *s_pred, float *F0,
         float *N)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int D = w->cfg.hidden_dim, DS = D + w->cfg.style_dim;
    (void)T;
    kc_mark m = kc_mark_get(c);
    float *xt = F.alloc((size_t)nF * DS), *lo = F.alloc((size_t)nF * D), *xc = F.alloc((size_t)D * nF);
    if (!kc_ok(c))
        return;
    k_gather_rows<<<nblocks((size_t)nF * DS), 256, 0, c->s>>>(x, DS, tok, nF, xt);
    kc_check(c, cudaGetLastError(), "alignment");
    kc_bilstm(c, kc_dev_lstm(F.b, c, &w->pred.shared), xt, nF, lo);
    kc_transpose(c, lo, nF, D, xc);
    for (int br = 0; br < 2 && kc_ok(c); br++) {
        const kk_resblk_w *blk = br ? w->pred.N : w->pred.F0;
        const kk_conv_w *proj = br ? &w->pred.N_proj : &w->pred.F0_proj;
        kc_mark mb = kc_mark_get(c);
        float *h = resblk(F, &blk[0], xc, nF, s_pred);
        h = resblk(F, &blk[1], h, nF, s_pred);
        h = resblk(F, &blk[2], h, 2 * nF, s_pred);
        kc_conv1d(c, h, proj->in, 2 * nF, nullptr, F.d(proj->w), F.d(proj->b), 1, 1, 1, 0, 1,
                  br ? N : F0, 0);
        kc_release(c, mb);
    }
    kc_release(c, m);
}

// TextEncoder -> t_en [D][T]
float *text_encoder(fwd &F, const int64_t *ids, int T)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int D = w->cfg.hidden_dim, K = w->text.kernel;
    float *t_en = F.alloc((size_t)D * T);
    kc_mark m = kc_mark_get(c);
    float *x = F.alloc((size_t)D * T), *y = F.alloc((size_t)D * T), *xt = F.alloc((size_t)T * D);
    float *lo = F.alloc((size_t)T * D);
    if (!kc_ok(c))
        return nullptr;
    k_embed_cols<<<nblocks((size_t)T * D), 256, 0, c->s>>>(ids, T, D, F.d(w->text.embedding), x);
    kc_check(c, cudaGetLastError(), "text embedding");
    for (int i = 0; i < w->text.n_cnn; i++) {
        kc_conv1d(c, x, D, T, nullptr, F.d(w->text.cnn[i].w), F.d(w->text.cnn[i].b), D, K, 1,
                  K / 2, 1, y, 0);
        kc_layernorm_channels(c, y, D, T, F.d(w->text.gamma[i]), F.d(w->text.beta[i]), 1e-5f,
                              0.2f, x);
    }
    kc_transpose(c, x, D, T, xt);
    kc_bilstm(c, kc_dev_lstm(F.b, c, &w->text.lstm), xt, T, lo);
    kc_transpose(c, lo, T, D, t_en);
    kc_release(c, m);
    return t_en;
}

// rows [C][F] of a, b, then the F0 and N rows -> dst [C1 + C2 + 2][F]
void concat(fwd &F, float *dst, const float *a, int C1, const float *b, int C2, const float *F0d,
            const float *Nd, int nF)
{
    kc_ctx *c = &F.c;
    kc_copy(c, dst, a, (size_t)C1 * nF);
    if (C2)
        kc_copy(c, dst + (size_t)C1 * nF, b, (size_t)C2 * nF);
    kc_copy(c, dst + (size_t)(C1 + C2) * nF, F0d, (size_t)nF);
    kc_copy(c, dst + (size_t)(C1 + C2 + 1) * nF, Nd, (size_t)nF);
}

// Decoder up to the generator input: -> [upsample_initial][2F]
float *decoder(fwd &F, const float *asr, const float *F0, const float *N, int nF, const float *s_dec)
{
    const kk_weights *w = F.w;
    kc_ctx *c = &F.c;
    int D = w->dec.asr_dim, Hd = w->dec.hidden, R = w->dec.asr_res_dim;
    const kk_resblk_w *last = &w->dec.decode[KK_DECODE_BLOCKS - 1];
    float *out = F.alloc((size_t)last->dim_out * 2 * nF);
    kc_mark m = kc_mark_get(c);
    float *F0d = F.alloc((size_t)nF), *Nd = F.alloc((size_t)nF), *res = F.alloc((size_t)R * nF);
    float *in = F.alloc((size_t)(Hd + R + 2) * nF > (size_t)(D + 2) * nF ? (size_t)(Hd + R + 2) * nF
                                                                         : (size_t)(D + 2) * nF);
    if (!kc_ok(c))
        return nullptr;
    kc_conv1d(c, F0, 1, 2 * nF, nullptr, F.d(w->dec.F0_conv.w), F.d(w->dec.F0_conv.b), 1, 3, 2, 1,
              1, F0d, 0);
    kc_conv1d(c, N, 1, 2 * nF, nullptr, F.d(w->dec.N_conv.w), F.d(w->dec.N_conv.b), 1, 3, 2, 1, 1,
              Nd, 0);
    concat(F, in, asr, D, nullptr, 0, F0d, Nd, nF);
    float *x = resblk(F, &w->dec.encode, in, nF, s_dec);
    kc_conv1d(c, asr, D, nF, nullptr, F.d(w->dec.asr_res.w), F.d(w->dec.asr_res.b), R, 1, 1, 0, 1,
              res, 0);
    for (int i = 0; i < KK_DECODE_BLOCKS && kc_ok(c); i++) {
        concat(F, in, x, Hd, res, R, F0d, Nd, nF);
        x = resblk(F, &w->dec.decode[i], in, nF, s_dec);
    }
    kc_copy(c, out, x, (size_t)last->dim_out * 2 * nF);
    kc_release(c, m);
    return out;
}

// AdaINResBlock1 in place on x [C][L]
void resblock1(fwd &F, const kk_resblock1_w *r, float *x, int L, const float *s)
{
    kc_ctx *c = &F.c;
    int C = r->channels, k = r->k;
    kc_mark m = kc_mark_get(c);
    float *sc = F.alloc((size_t)C), *sh = F.alloc((size_t)C), *gb = F.alloc(2 * (size_t)C);
    float *t = F.alloc((size_t)C * L);
    for (int j = 0; j < r->n_dil && kc_ok(c); j++) {
        int d = r->dil[j];
        F.linear(s, 1, r->adain1[j].fc, gb);
        kc_adain_coeffs(c, x, C, L, gb, F.d(r->adain1[j].norm_w), F.d(r->adain1[j].norm_b), sc, sh);
        kc_pre p1;
        p1.scale = sc;
        p1.shift = sh;
        p1.act = KC_ACT_SNAKE;
        p1.alpha = F.d(r->alpha1[j]);
        kc_conv1d(c, x, C, L, &p1, F.d(r->convs1[j].w), F.d(r->convs1[j].b), C, k, 1,
                  d * (k - 1) / 2, d, t, 0);
        F.linear(s, 1, r->adain2[j].fc, gb);
        kc_adain_coeffs(c, t, C, L, gb, F.d(r->adain2[j].norm_w), F.d(r->adain2[j].norm_b), sc, sh);
        kc_pre p2 = p1;
        p2.alpha = F.d(r->alpha2[j]);
        kc_conv1d(c, t, C, L, &p2, F.d(r->convs2[j].w), F.d(r->convs2[j].b), C, k, 1, (k - 1) / 2,
                  1, x, 1);
    }
    kc_release(c, m);
}

// Generator: x0 [upsample_initial][2F], F0 [2F] -> audio [L] (device)
float *generator(fwd &F, const float *x0, const float *F0, int nF, const float *s, size_t *Lout)
{
    const kk_weights *w = F.w;
    const kk_config *cf = &w->cfg;
    kc_ctx *c = &F.c;
    int nf = cf->istft_n_fft, hop = cf->istft_hop, nb = nf / 2 + 1;
    int up_total = hop;
    for (int i = 0; i < cf->n_upsamples; i++)
        up_total *= cf->upsample_rates[i];
    int nF0 = 2 * nF;
    size_t L = (size_t)nF0 * up_total;
    int N = (int)(L / hop) + 1;
    float *audio = F.alloc(L);
    kc_mark m0 = kc_mark_get(c);
    float *har = F.alloc((size_t)2 * nb * N);
    if (!kc_ok(c))
        return nullptr;
    const kk_backend_call *call = F.call;
    if (call->inject_mag) {
        if (call->inject_n != (size_t)nb * N) {
            kc_fail(c, KOKORO_ERR_INVALID_ARGUMENT, "injected harmonic spectrum",
                    "wrong size for this input");
            return nullptr;
        }
        kc_check(c, cudaMemcpyAsync(har, call->inject_mag, sizeof(float) * nb * N,
                                    cudaMemcpyHostToDevice, c->s), "inject");
        kc_check(c, cudaMemcpyAsync(har + (size_t)nb * N, call->inject_phase,
                                    sizeof(float) * nb * N, cudaMemcpyHostToDevice, c->s),
                 "inject");
    } else {
        kc_mark m = kc_mark_get(c);
        float *src = F.alloc(L);
        kc_harmonic_source(c, F0, nF0, up_total, w->gen.harmonics, F.d(w->gen.l_linear.w),
                           F.d(w->gen.l_linear.b), call->zero_noise, call->seed, src);
        kc_stft(c, src, (int)L, nf, hop, har, har + (size_t)nb * N);
        kc_release(c, m);
    }
    F.lap(KK_T_SOURCE);
    const float *x = x0;
    int xC = cf->upsample_initial_channel, xL = nF0;
    int K = w->gen.n_kernels;
    for (int i = 0; i < cf->n_upsamples && kc_ok(c); i++) {
        int last = i + 1 == cf->n_upsamples;
        const kk_conv_w *nc = &w->gen.noise_convs[i], *up = &w->gen.ups[i];
        int u = cf->upsample_rates[i];
        int Lup = kc_conv_transpose1d_len(xL, up->k, u, (up->k - u) / 2, 0);
        int Lst = last ? Lup + 1 : Lup;
        int stride_f0 = nc->k == 1 ? 1 : nc->k / 2;
        int pad_f0 = nc->k == 1 ? 0 : (stride_f0 + 1) / 2;
        if (kc_conv1d_len(N, nc->k, stride_f0, pad_f0, 1) != Lst) {
            kc_fail(c, KOKORO_ERR_INTERNAL, "generator", "noise branch length mismatch");
            return nullptr;
        }
        int C = up->out;
        size_t n = (size_t)C * Lst;
        float *xs = F.alloc(n);
        if (!kc_ok(c))
            return nullptr;
        kc_conv1d(c, har, 2 * nb, N, nullptr, F.d(nc->w), F.d(nc->b), nc->out, nc->k, stride_f0,
                  pad_f0, 1, xs, 0);
        resblock1(F, &w->gen.noise_res[i], xs, Lst, s);
        {
            kc_mark m = kc_mark_get(c);
            float *y = F.alloc((size_t)C * Lup);
            kc_pre leaky;
            leaky.act = KC_ACT_LEAKY;
            leaky.slope = 0.1f;
            kc_conv_transpose1d(c, x, xC, xL, &leaky, F.d(up->w), F.d(up->b), C, up->k, u,
                                (up->k - u) / 2, 0, y);
            if (kc_ok(c)) {
                k_add_up<<<nblocks(n), 256, 0, c->s>>>(xs, C, Lst, y, Lup, last);
                kc_check(c, cudaGetLastError(), "upsampling add");
            }
            kc_release(c, m);
        }
        float *sum = F.alloc(n);
        float *stream = F.alloc(n);
        if (!kc_ok(c))
            return nullptr;
        for (int p = 0; p < K && kc_ok(c); p++) {
            const kk_resblock1_w *rb = &w->gen.resblocks[i * K + p];
            float *dst = p == 0 ? sum : stream;
            kc_copy(c, dst, xs, n);
            resblock1(F, rb, dst, Lst, s);
            if (p > 0) {
                k_sum_div<<<nblocks(n), 256, 0, c->s>>>(sum, stream, n, p + 1 == K ? (float)K : 1.0f);
                kc_check(c, cudaGetLastError(), "resblock sum");
            }
        }
        x = sum;
        xC = C;
        xL = Lst;
    }
    if (!kc_ok(c))
        return nullptr;
    if (xL != N) {
        kc_fail(c, KOKORO_ERR_INTERNAL, "generator", "frame count mismatch");
        return nullptr;
    }
    const kk_conv_w *cp = &w->gen.conv_post;
    float *post = F.alloc((size_t)cp->out * N);
    kc_pre leaky;
    leaky.act = KC_ACT_LEAKY;
    leaky.slope = 0.01f;
    kc_conv1d(c, x, xC, N, &leaky, F.d(cp->w), F.d(cp->b), cp->out, cp->k, 1, cp->k / 2, 1, post, 0);
    F.lap(KK_T_GENERATOR);
    kc_istft_post(c, post, N, nf, hop, audio);
    kc_release(c, m0);
    F.lap(KK_T_ISTFT);
    *Lout = L;
    return audio;
}

} // namespace

kokoro_status kc_forward(kc_backend *b, kc_worker *wk, const kk_backend_call *call,
                         kokoro_error *err)
{
    fwd F;
    F.b = b;
    F.w = b->w;
    F.call = call;
    F.c.s = wk->stream;
    F.c.blas = wk->blas;
    F.c.arena = &wk->arena;
    F.t_mark = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    kc_ctx *c = &F.c;
    const kk_weights *w = b->w;
    int T = call->T, D = w->cfg.hidden_dim, S = w->cfg.style_dim;
    wk->arena.peak = wk->arena.in_use = 0;
    kc_mark m0 = kc_mark_get(c);
    float *audio_dev = nullptr;
    size_t L = 0;

    // inputs: ids (as int64, 8-byte aligned in a float buffer) and the style row
    int64_t *ids = (int64_t *)F.alloc(2 * (size_t)T);
    float *ref = F.alloc(2 * (size_t)S);
    int32_t *dur = (int32_t *)F.alloc((size_t)T);
    if (kc_ok(c)) {
        kc_check(c, cudaMemcpyAsync(ids, call->ids, sizeof(int64_t) * T, cudaMemcpyHostToDevice, c->s),
                 "upload ids");
        kc_check(c, cudaMemcpyAsync(ref, call->ref_s, sizeof(float) * 2 * S, cudaMemcpyHostToDevice,
                                    c->s),
                 "upload style");
    }
    const float *s_dec = ref, *s_pred = ref + S;
    float *bert = albert(F, ids, T);
    F.lap(KK_T_ALBERT);
    float *d = kc_ok(c) ? duration_encoder(F, bert, T, s_pred) : nullptr;
    int nF = kc_ok(c) ? durations(F, d, T, dur) : 0;
    F.lap(KK_T_PROSODY);
    if (kc_ok(c) && nF > 0) {
        int32_t *tok = (int32_t *)F.alloc((size_t)nF);
        float *F0 = F.alloc(2 * (size_t)nF), *N = F.alloc(2 * (size_t)nF);
        if (kc_ok(c)) {
            k_frame_tokens<<<1, 1, 0, c->s>>>(dur, T, tok);
            kc_check(c, cudaGetLastError(), "alignment");
        }
        f0n(F, d, T, tok, nF, s_pred, F0, N);
        F.lap(KK_T_F0N);
        float *t_en = kc_ok(c) ? text_encoder(F, ids, T) : nullptr;
        float *asr = F.alloc((size_t)D * nF);
        if (kc_ok(c)) {
            k_gather_cols<<<nblocks((size_t)D * nF), 256, 0, c->s>>>(t_en, D, T, tok, nF, asr);
            kc_check(c, cudaGetLastError(), "alignment");
        }
        F.lap(KK_T_TEXT_ENCODER);
        float *x = kc_ok(c) ? decoder(F, asr, F0, N, nF, s_dec) : nullptr;
        F.lap(KK_T_DECODER);
        if (kc_ok(c))
            audio_dev = generator(F, x, F0, nF, s_dec, &L);
    }
    float *audio = nullptr;
    if (kc_ok(c) && audio_dev) {
        audio = (float *)std::malloc(L * sizeof(float));
        if (!audio)
            kc_fail(c, KOKORO_ERR_NO_MEMORY, "audio", "out of host memory");
        else if (kc_check(c, cudaMemcpyAsync(audio, audio_dev, L * sizeof(float),
                                             cudaMemcpyDeviceToHost, c->s),
                          "audio to host"))
            kc_check(c, cudaStreamSynchronize(c->s), "forward pass");
    } else {
        cudaStreamSynchronize(c->s);
    }
    kc_release(c, m0);
    if (call->device_bytes)
        *call->device_bytes = wk->arena.peak;
    if (!kc_ok(c)) {
        std::free(audio);
        if (err) {
            err->code = c->code;
            std::snprintf(err->message, sizeof err->message, "CUDA backend: %s", c->msg);
        }
        return c->code;
    }
    *call->audio = audio;
    *call->n_samples = L;
    return KOKORO_OK;
}
