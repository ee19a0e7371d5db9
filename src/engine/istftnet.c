/* The iSTFTNet generator: harmonic source (SineGen + SourceModuleHnNSF) and its STFT, the
 * upsampling stages with noise branches and AdaIN resblocks, conv_post, inverse STFT. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/forward.h"
#include "engine/rng.h"
#include "nn/parallel.h"
#include "util/error.h"
#include "util/npy.h"

#define KK_SAMPLE_RATE 24000.0f

/* torch.remainder(a, 1) on CPU: fmod, then shifted into [0, 1) unless it is exactly zero. */
static float remainder1(float a)
{
    float r = fmodf(a, 1.0f);
    if (r != 0.0f && r < 0.0f)
        r += 1.0f;
    return r;
}

typedef struct {
    const float *F0, *P, *lw;
    float lb, *src;
    int nF0, up, H, zero_noise;
    uint64_t seed;
} source_job;

#define KK_SOURCE_CHUNK 4096 /* samples per RNG stream */

static void source_chunks(void *p, int c0, int c1, int worker)
{
    const source_job *j = p;
    const float scale = (float)(1.0 / j->up);
    size_t L = (size_t)j->nF0 * j->up;
    (void)worker;
    for (int chunk = c0; chunk < c1; chunk++) {
        kk_rng rng;
        kk_rng_seed(&rng, j->seed, (uint64_t)chunk);
        size_t t1 = (size_t)(chunk + 1) * KK_SOURCE_CHUNK;
        for (size_t t = (size_t)chunk * KK_SOURCE_CHUNK; t < t1 && t < L; t++) {
            /* linear interpolation x up, align_corners=False, as upsample_linear1d computes it */
            float s = scale * ((float)t + 0.5f) - 0.5f;
            if (s < 0.0f)
                s = 0.0f;
            int i0 = (int)s;
            if (i0 > j->nF0 - 1)
                i0 = j->nF0 - 1;
            int i1 = i0 + (i0 < j->nF0 - 1 ? 1 : 0);
            float l1 = s - (float)i0;
            l1 = l1 < 0.0f ? 0.0f : (l1 > 1.0f ? 1.0f : l1);
            float l0 = 1.0f - l1;
            float uv = j->F0[t / (size_t)j->up] > 10.0f ? 1.0f : 0.0f;
            float noise_amp = uv * 0.003f + ((1.0f - uv) * 0.1f) / 3.0f;
            float acc = j->lb;
            for (int h = 0; h < j->H; h++) {
                float ph = l0 * j->P[(size_t)i0 * j->H + h] + l1 * j->P[(size_t)i1 * j->H + h];
                float sw = sinf(ph) * 0.1f * uv;
                if (!j->zero_noise)
                    sw += noise_amp * kk_rng_normal(&rng);
                acc += j->lw[h] * sw;
            }
            j->src[t] = tanhf(acc);
        }
    }
}

/* har_source[L] from F0 [nF0] (frame rate: `up` samples per F0 value). */
static void harmonic_source(kk_forward *f, const float *F0, int nF0, int up, float *src)
{
    const kk_weights *w = f->w;
    int H = w->gen.harmonics;
    size_t L = (size_t)nF0 * up;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *P = kk_arena_floats(&f->arena, (size_t)nF0 * H);
    /* Per F0 frame: rad = (h*f0/sr) mod 1; the x(1/up) linear resampling of the per-sample
     * values reads two samples of the same frame, so it is this value exactly (and the random
     * initial phase, added at sample 0 only, is never read). The phase is cumsum (double
     * accumulator, float result) * 2 * pi * up, three float32 multiplies. */
    for (int h = 0; h < H; h++) {
        double acc = 0.0;
        for (int j = 0; j < nF0; j++) {
            float fn = F0[j] * (float)(h + 1);
            acc += remainder1(fn / KK_SAMPLE_RATE);
            float ph = (float)acc;
            P[(size_t)j * H + h] = ((ph * 2.0f) * 3.14159274f) * (float)up;
        }
    }
    source_job j = {F0, P, w->gen.l_linear.w, w->gen.l_linear.b[0], src, nF0, up, H,
                    f->opt->zero_noise, f->opt->seed};
    int chunks = (int)((L + KK_SOURCE_CHUNK - 1) / KK_SOURCE_CHUNK);
    kk_parallel_for(f->threads, chunks, source_chunks, &j);
    kk_arena_release(&f->arena, m);
}

/* Elementwise passes over the big stage buffers, split over the workers. */
typedef enum { EW_COPY, EW_ADD, EW_DIV } ew_op;
typedef struct {
    float *dst;
    const float *src;
    float k;
    ew_op op;
} ew_job;

static void ew_range(void *p, int b0, int b1, int worker)
{
    const ew_job *j = p;
    (void)worker;
    size_t i0 = (size_t)b0 * 65536, i1 = (size_t)b1 * 65536;
    float *d = j->dst;
    const float *s = j->src;
    switch (j->op) {
    case EW_COPY:
        memcpy(d + i0, s + i0, (i1 - i0) * sizeof(float));
        break;
    case EW_ADD:
        for (size_t i = i0; i < i1; i++)
            d[i] += s[i];
        break;
    case EW_DIV:
        for (size_t i = i0; i < i1; i++)
            d[i] /= j->k;
        break;
    }
}

static void elementwise(kk_forward *f, ew_op op, float *dst, const float *src, float k, size_t n)
{
    ew_job j = {dst, src, k, op};
    size_t full = n / 65536;
    kk_parallel_for(f->threads, (int)full, ew_range, &j);
    for (size_t i = full * 65536; i < n; i++)
        dst[i] = op == EW_COPY ? src[i] : (op == EW_ADD ? dst[i] + src[i] : dst[i] / k);
}

static kokoro_status load_injected(kk_forward *f, const char *name, int nb, int N, float *dst)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", f->opt->inject_har_dir, name);
    kk_npy a;
    kokoro_status st = kk_npy_read(path, &a, f->err);
    if (st != KOKORO_OK)
        return st;
    if (a.dtype != KK_NPY_F32 || a.numel != (size_t)nb * N || a.shape[a.ndim - 1] != N) {
        kk_npy_free(&a);
        return kk_fail(f->err, KOKORO_ERR_INVALID_ARGUMENT,
                       "%s: expected %d x %d float32 values for this input", path, nb, N);
    }
    memcpy(dst, a.data, sizeof(float) * (size_t)nb * N);
    kk_npy_free(&a);
    return KOKORO_OK;
}

/* AdaINResBlock1, in place on x [C][L]: for each dilation, x += conv2(snake(IN2(conv1(snake(IN1(x)))))) */
static void resblock1(kk_forward *f, const kk_resblock1_w *r, float *x, int L, const float *s)
{
    int C = r->channels, k = r->k;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *sc = kk_arena_floats(&f->arena, (size_t)C), *sh = kk_arena_floats(&f->arena, (size_t)C);
    float *t = kk_arena_floats(&f->arena, (size_t)C * L);
    int maxd = 1;
    for (int j = 0; j < r->n_dil; j++)
        maxd = r->dil[j] > maxd ? r->dil[j] : maxd;
    float *scratch = kk_arena_floats(&f->arena, kk_conv1d_scratch(C, C, L, k, 1, maxd * (k - 1) / 2, maxd, f->threads));
    for (int j = 0; j < r->n_dil; j++) {
        int d = r->dil[j];
        kk_adain_prepare(f, &r->adain1[j], x, L, s, sc, sh);
        kk_pre p1 = {sc, sh, KK_ACT_SNAKE, 0.0f, r->alpha1[j]};
        kk_conv1d(x, C, L, &p1, r->convs1[j].w, r->convs1[j].b, C, k, 1, d * (k - 1) / 2, d, t, 0,
                  scratch, f->threads);
        kk_adain_prepare(f, &r->adain2[j], t, L, s, sc, sh);
        kk_pre p2 = {sc, sh, KK_ACT_SNAKE, 0.0f, r->alpha2[j]};
        kk_conv1d(t, C, L, &p2, r->convs2[j].w, r->convs2[j].b, C, k, 1, (k - 1) / 2, 1, x, 1,
                  scratch, f->threads);
    }
    kk_arena_release(&f->arena, m);
}

float *kk_generator(kk_forward *f, const float *x0, const float *F0, int F, const float *s)
{
    const kk_weights *w = f->w;
    const kk_config *c = &w->cfg;
    int nf = c->istft_n_fft, hop = c->istft_hop, nb = nf / 2 + 1;
    int up_total = hop; /* samples per F0 value: prod(upsample_rates) * hop */
    for (int i = 0; i < c->n_upsamples; i++)
        up_total *= c->upsample_rates[i];
    int nF0 = 2 * F;
    size_t L = (size_t)nF0 * up_total;
    int N = kk_stft_frames((int)L, hop);

    double t0 = kk_wall_seconds();
    float *audio = kk_arena_floats(&f->arena, L);
    kk_arena_mark_t m0 = kk_arena_mark(&f->arena);
    float *har = kk_arena_floats(&f->arena, (size_t)2 * nb * N); /* [mag(nb) | phase(nb)][N] */
    {
        kk_arena_mark_t m = kk_arena_mark(&f->arena);
        float *src = kk_arena_floats(&f->arena, L);
        harmonic_source(f, F0, nF0, up_total, src);
        kk_dump(f, "dbg_gen_har_source", src, 0, 3, 1, (int)L, 1);
        kk_stft(src, (int)L, nf, hop, har, har + (size_t)nb * N);
        kk_arena_release(&f->arena, m);
    }
    kk_dump(f, "dbg_gen_har_spec", har, 0, 3, 1, nb, N);
    kk_dump(f, "dbg_gen_har_phase", har + (size_t)nb * N, 0, 3, 1, nb, N);
    if (f->opt->inject_har_dir) {
        if (load_injected(f, "dbg_gen_har_spec", nb, N, har) != KOKORO_OK ||
            load_injected(f, "dbg_gen_har_phase", nb, N, har + (size_t)nb * N) != KOKORO_OK)
            return NULL;
    }
    f->seconds[KK_T_SOURCE] += kk_wall_seconds() - t0;
    t0 = kk_wall_seconds();

    const float *x = x0;
    int Lx = nF0, Cx = c->upsample_initial_channel;
    float *cur = NULL;
    for (int i = 0; i < c->n_upsamples; i++) {
        int last = i + 1 == c->n_upsamples;
        const kk_conv_w *nc = &w->gen.noise_convs[i], *up = &w->gen.ups[i];
        int u = c->upsample_rates[i];
        int Lup = kk_conv_transpose1d_len(Lx, up->k, u, (up->k - u) / 2, 0);
        int Lst = last ? Lup + 1 : Lup; /* the last stage is reflection-padded by one on the left */
        int stride_f0 = nc->k == 1 ? 1 : nc->k / 2;
        int pad_f0 = nc->k == 1 ? 0 : (stride_f0 + 1) / 2;
        int Lns = kk_conv1d_len(N, nc->k, stride_f0, pad_f0, 1);
        if (Lns != Lst) {
            kk_fail(f->err, KOKORO_ERR_INTERNAL, "generator stage %d: noise length %d != %d", i,
                    Lns, Lst);
            return NULL;
        }
        float *out = kk_arena_floats(&f->arena, (size_t)up->out * Lst);
        kk_arena_mark_t m_out = kk_arena_mark(&f->arena);
        /* noise branch: xs = noise_res(noise_conv(har)) */
        float *xs = kk_arena_floats(&f->arena, (size_t)up->out * Lst);
        {
            kk_arena_mark_t m2 = kk_arena_mark(&f->arena);
            float *sc = kk_arena_floats(&f->arena, kk_conv1d_scratch(2 * nb, nc->out, N, nc->k, stride_f0, pad_f0, 1, f->threads));
            kk_conv1d(har, 2 * nb, N, NULL, nc->w, nc->b, nc->out, nc->k, stride_f0, pad_f0, 1, xs,
                      0, sc, f->threads);
            kk_arena_release(&f->arena, m2);
        }
        resblock1(f, &w->gen.noise_res[i], xs, Lst, s);
        /* x = ups(LeakyReLU(x, 0.1)) [+ reflection pad], added onto the noise branch */
        {
            kk_arena_mark_t m2 = kk_arena_mark(&f->arena);
            float *y = kk_arena_floats(&f->arena, (size_t)up->out * Lup);
            float *sc = kk_arena_floats(&f->arena, kk_conv_transpose1d_scratch(up->in, up->out, Lx, up->k, f->threads));
            kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.1f, NULL};
            kk_conv_transpose1d(x, Cx, Lx, &leaky, up->w, up->b, up->out, up->k, u,
                                (up->k - u) / 2, 0, y, sc, f->threads);
            for (int ch = 0; ch < up->out; ch++) {
                float *d = xs + (size_t)ch * Lst;
                const float *sy = y + (size_t)ch * Lup;
                if (last) {
                    d[0] += sy[1];
                    d++;
                }
                for (int t = 0; t < Lup; t++)
                    d[t] += sy[t];
            }
            kk_arena_release(&f->arena, m2);
        }
        /* x = mean of the stage's resblocks, accumulated ((r0 + r1) + r2) / n into out */
        size_t n = (size_t)up->out * Lst;
        float *tmp = w->gen.n_kernels > 2 ? kk_arena_floats(&f->arena, n) : NULL;
        for (int j = 0; j < w->gen.n_kernels; j++) {
            const kk_resblock1_w *rb = &w->gen.resblocks[i * w->gen.n_kernels + j];
            float *buf = j == 0 ? out : (j + 1 == w->gen.n_kernels ? xs : tmp);
            if (buf != xs)
                elementwise(f, EW_COPY, buf, xs, 0.0f, n);
            resblock1(f, rb, buf, Lst, s);
            if (j > 0)
                elementwise(f, EW_ADD, out, buf, 0.0f, n);
        }
        elementwise(f, EW_DIV, out, NULL, (float)w->gen.n_kernels, n);
        /* keep the stage output only (the previous stage's output stays below it) */
        kk_arena_release(&f->arena, m_out);
        cur = out;
        x = cur;
        Lx = Lst;
        Cx = up->out;
    }
    if (Lx != N) {
        kk_fail(f->err, KOKORO_ERR_INTERNAL, "generator: %d frames, expected %d", Lx, N);
        return NULL;
    }
    /* conv_post(LeakyReLU(x, 0.01)) -> [2*nb][N]: log-magnitude rows, then phase rows */
    const kk_conv_w *cp = &w->gen.conv_post;
    float *post = kk_arena_floats(&f->arena, (size_t)cp->out * N);
    {
        kk_arena_mark_t m = kk_arena_mark(&f->arena);
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_scratch(Cx, cp->out, N, cp->k, 1, cp->k / 2, 1, f->threads));
        kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.01f, NULL};
        kk_conv1d(x, Cx, N, &leaky, cp->w, cp->b, cp->out, cp->k, 1, cp->k / 2, 1, post, 0, sc, f->threads);
        kk_arena_release(&f->arena, m);
    }
    kk_dump(f, "dbg_gen_conv_post", post, 0, 3, 1, cp->out, N);
    f->seconds[KK_T_GENERATOR] += kk_wall_seconds() - t0;
    t0 = kk_wall_seconds();
    for (size_t q = 0; q < (size_t)nb * N; q++)
        post[q] = expf(post[q]);
    for (size_t q = (size_t)nb * N; q < (size_t)2 * nb * N; q++)
        post[q] = sinf(post[q]);
    float *sc = kk_arena_floats(&f->arena, kk_istft_scratch(N, nf, hop));
    kk_istft(post, post + (size_t)nb * N, N, nf, hop, audio, sc);
    kk_arena_release(&f->arena, m0);
    f->seconds[KK_T_ISTFT] += kk_wall_seconds() - t0;
    kk_dump(f, "audio", audio, 0, 1, (int)L);
    return audio;
}
