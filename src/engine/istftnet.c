/* The iSTFTNet generator: harmonic source (SineGen + SourceModuleHnNSF) and its STFT, the
 * upsampling stages with noise branches and AdaIN resblocks, conv_post, inverse STFT. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/forward.h"
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

/* har_source[L] from F0 [2F] (frame rate: `up` samples per F0 value). */
static void harmonic_source(kk_forward *f, const float *F0, int nF0, int up, float *src)
{
    const kk_weights *w = f->w;
    int H = w->gen.harmonics;
    size_t L = (size_t)nF0 * up;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *P = kk_arena_floats(&f->arena, (size_t)nF0 * H);
    /* Per F0 frame: rad = (h*f0/sr) mod 1; the x(1/up) linear resampling of the per-sample
     * values reads two samples of the same frame, so it is this value exactly. The phase is
     * cumsum (double accumulator, float result) * 2 * pi * up, three float32 multiplies. */
    for (int h = 0; h < H; h++) {
        double acc = 0.0;
        for (int j = 0; j < nF0; j++) {
            float fn = F0[j] * (float)(h + 1);
            acc += remainder1(fn / KK_SAMPLE_RATE);
            float ph = (float)acc;
            P[(size_t)j * H + h] = ((ph * 2.0f) * 3.14159274f) * (float)up;
        }
    }
    const float scale = (float)(1.0 / up);
    const float *lw = w->gen.l_linear.w;
    float lb = w->gen.l_linear.b[0];
    for (size_t t = 0; t < L; t++) {
        /* linear interpolation x up, align_corners=False, as upsample_linear1d computes it */
        float s = scale * ((float)t + 0.5f) - 0.5f;
        if (s < 0.0f)
            s = 0.0f;
        int i0 = (int)s;
        if (i0 > nF0 - 1)
            i0 = nF0 - 1;
        int i1 = i0 + (i0 < nF0 - 1 ? 1 : 0);
        float l1 = s - (float)i0;
        l1 = l1 < 0.0f ? 0.0f : (l1 > 1.0f ? 1.0f : l1);
        float l0 = 1.0f - l1;
        float f0 = F0[t / up];
        float uv = f0 > 10.0f ? 1.0f : 0.0f;
        float noise_amp = uv * 0.003f + ((1.0f - uv) * 0.1f) / 3.0f;
        float acc = lb;
        for (int h = 0; h < H; h++) {
            float ph = l0 * P[(size_t)i0 * H + h] + l1 * P[(size_t)i1 * H + h];
            float sw = sinf(ph) * 0.1f * uv;
            if (!f->opt->zero_noise)
                sw += noise_amp * kk_randn(f);
            acc += lw[h] * sw;
        }
        src[t] = tanhf(acc);
    }
    kk_arena_release(&f->arena, m);
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
    float *scratch = kk_arena_floats(&f->arena, kk_conv1d_scratch(C, L, k, 1, maxd * (k - 1) / 2, maxd, f->threads));
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
    kk_arena_mark_t mx = kk_arena_mark(&f->arena); /* each stage's output replaces the last */
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
        /* noise branch: xs = noise_res(noise_conv(har)) */
        float *xs = kk_arena_floats(&f->arena, (size_t)up->out * Lst);
        {
            kk_arena_mark_t m2 = kk_arena_mark(&f->arena);
            float *sc = kk_arena_floats(&f->arena, kk_conv1d_scratch(2 * nb, N, nc->k, stride_f0, pad_f0, 1, f->threads));
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
        /* x = mean of the stage's resblocks, accumulated ((r0 + r1) + r2) / n */
        size_t n = (size_t)up->out * Lst;
        float *acc = kk_arena_floats(&f->arena, n);
        float *tmp = w->gen.n_kernels > 2 ? kk_arena_floats(&f->arena, n) : NULL;
        for (int j = 0; j < w->gen.n_kernels; j++) {
            const kk_resblock1_w *rb = &w->gen.resblocks[i * w->gen.n_kernels + j];
            float *buf = j == 0 ? acc : (j + 1 == w->gen.n_kernels ? xs : tmp);
            if (buf != xs)
                memcpy(buf, xs, n * sizeof(float));
            resblock1(f, rb, buf, Lst, s);
            if (j > 0)
                for (size_t q = 0; q < n; q++)
                    acc[q] += buf[q];
        }
        float nk = (float)w->gen.n_kernels;
        for (size_t q = 0; q < n; q++)
            acc[q] /= nk;
        /* keep acc only: move it down over the previous stage's output (memmove: may overlap) */
        kk_arena_release(&f->arena, mx);
        cur = kk_arena_floats(&f->arena, n);
        memmove(cur, acc, n * sizeof(float));
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
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_scratch(Cx, N, cp->k, 1, cp->k / 2, 1, f->threads));
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
