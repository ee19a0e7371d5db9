/* ALBERT (Hugging Face AlbertModel as configured by Kokoro): embeddings, one shared transformer
 * layer applied num_hidden_layers times, last hidden state out. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/forward.h"
#include "nn/parallel.h"
#include "nn/simd.h"

typedef float kk_lane8 __attribute__((vector_size(32)));
typedef int32_t kk_mask8 __attribute__((vector_size(32)));
#define LOAD_LANES(v, p) memcpy(&(v), (p), sizeof(kk_lane8))

/* Softmax of each row of s [n][len] after dividing it by `scale` (as PyTorch divides the scores
 * by sqrt(dh)). Max and sum run in eight lanes (a scalar reduction is a chain of dependent
 * adds: it took half the attention's time): the max is exact in any order; the sum adds lane
 * totals in a fixed order, the same for every row and thread count. exp by kk_exp_lane (2 ulp),
 * clamped at -87 where e^y is below 1e-37 of the row's largest term (which is 1). */
KK_SIMD_CLONES
static void softmax_rows(float *s, int n, int len, float scale)
{
    for (int i = 0; i < n; i++) {
        float *r = s + (size_t)i * len;
        for (int j = 0; j < len; j++)
            r[j] /= scale;
        float m = r[0];
        int j = 0;
        if (len >= 8) {
            kk_lane8 vm, x;
            LOAD_LANES(vm, r);
            for (j = 8; j + 8 <= len; j += 8) {
                LOAD_LANES(x, r + j);
                kk_mask8 gt = x > vm;
                vm = (kk_lane8)(((kk_mask8)x & gt) | ((kk_mask8)vm & ~gt));
            }
            for (int u = 0; u < 8; u++)
                m = vm[u] > m ? vm[u] : m;
        }
        for (; j < len; j++)
            m = r[j] > m ? r[j] : m;
        for (j = 0; j < len; j++) {
            float y = r[j] - m;
            r[j] = kk_exp_lane(y < -87.0f ? -87.0f : y);
        }
        kk_lane8 acc = {0};
        for (j = 0; j + 8 <= len; j += 8) {
            kk_lane8 x;
            LOAD_LANES(x, r + j);
            acc += x;
        }
        float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                    ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; j < len; j++)
            sum += r[j];
        float inv = 1.0f / sum;
        for (j = 0; j < len; j++)
            r[j] *= inv;
    }
}

typedef struct {
    const float *q, *k, *v;
    float *ctx, *scores; /* scores: one [T][T] buffer per worker */
    int T, Hd, dh;
} attn_job;

static void attn_heads(void *p, int h0, int h1, int worker)
{
    const attn_job *j = p;
    int T = j->T, Hd = j->Hd, dh = j->dh;
    float *s = j->scores + (size_t)worker * T * T;
    float scale = sqrtf((float)dh);
    for (int h = h0; h < h1; h++) {
        /* Head h is the column slice [h*dh, (h+1)*dh) of q, k, v. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, 1.0f, j->q + h * dh, Hd,
                    j->k + h * dh, Hd, 0.0f, s, T);
        softmax_rows(s, T, T, scale);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, s, T, j->v + h * dh,
                    Hd, 0.0f, j->ctx + h * dh, Hd);
    }
}

/* Multi-head self-attention of h [T][Hd] (no mask: single unpadded sequence) -> ctx [T][Hd]. */
static void attention(kk_forward *f, const float *h, int T, float *ctx)
{
    const kk_weights *w = f->w;
    int Hd = w->bert.hidden, nh = w->bert.heads;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *q = kk_arena_floats(&f->arena, (size_t)T * Hd);
    float *k = kk_arena_floats(&f->arena, (size_t)T * Hd);
    float *v = kk_arena_floats(&f->arena, (size_t)T * Hd);
    int workers = f->threads < nh ? f->threads : nh;
    float *s = kk_arena_floats(&f->arena, (size_t)workers * T * T);
    kk_lin(f, &w->bert.q, h, T, q);
    kk_lin(f, &w->bert.k, h, T, k);
    kk_lin(f, &w->bert.v, h, T, v);
    attn_job j = {q, k, v, ctx, s, T, Hd, Hd / nh};
    kk_parallel_for(workers, nh, attn_heads, &j);
    kk_arena_release(&f->arena, m);
}

float *kk_albert(kk_forward *f, const int64_t *ids, int T)
{
    const kk_weights *w = f->w;
    int E = w->bert.emb, Hd = w->bert.hidden, NI = w->bert.inter;
    float *h = kk_arena_floats(&f->arena, (size_t)T * Hd);
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *e = kk_arena_floats(&f->arena, (size_t)T * E);
    float *ctx = kk_arena_floats(&f->arena, (size_t)T * Hd);
    float *a = kk_arena_floats(&f->arena, (size_t)T * Hd);
    float *ff = kk_arena_floats(&f->arena, (size_t)T * NI);

    /* word + token_type[0] (no token_type_ids are passed) + position t, in that order */
    for (int t = 0; t < T; t++) {
        const float *we = w->bert.word + (size_t)ids[t] * E;
        const float *pe = w->bert.position + (size_t)t * E;
        for (int c = 0; c < E; c++)
            e[(size_t)t * E + c] = (we[c] + w->bert.token_type[c]) + pe[c];
    }
    kk_layernorm_rows(e, T, E, w->bert.ln_w, w->bert.ln_b, 1e-12f, e);
    kk_lin(f, &w->bert.map_in, e, T, h);

    for (int l = 0; l < w->bert.layers; l++) {
        attention(f, h, T, ctx);
        kk_lin(f, &w->bert.dense, ctx, T, a);
        for (size_t i = 0; i < (size_t)T * Hd; i++)
            a[i] += h[i];
        kk_layernorm_rows(a, T, Hd, w->bert.attn_ln_w, w->bert.attn_ln_b, 1e-12f, a);
        kk_lin(f, &w->bert.ffn, a, T, ff);
        kk_gelu_new(ff, (size_t)T * NI);
        kk_lin(f, &w->bert.ffn_out, ff, T, h);
        for (size_t i = 0; i < (size_t)T * Hd; i++)
            h[i] += a[i];
        kk_layernorm_rows(h, T, Hd, w->bert.full_ln_w, w->bert.full_ln_b, 1e-12f, h);
    }
    kk_arena_release(&f->arena, m);
    return h;
}
