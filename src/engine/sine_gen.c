/* The harmonic source: SineGen + SourceModuleHnNSF (kokoro/istftnet.py), from F0 to one sample
 * per output sample. Its sines and the Box-Muller noise are most of the work; they run as
 * vector loops (nn/simd.h's sine and logarithm) over blocks of samples, the random draws made
 * first in the stream's order, so the noise is the same whatever the ISA or thread count. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math") /* selects may be if-converted */
#endif
/* built with -fno-math-errno (CMakeLists.txt): sqrtf of -2 ln u1, never negative, vectorises */
#include <math.h>

#include "engine/forward.h"
#include "engine/rng.h"
#include "nn/parallel.h"
#include "nn/simd.h"
#include "util/error.h"

#define KK_SAMPLE_RATE 24000.0f
#define KK_SOURCE_CHUNK 4096 /* samples per RNG stream */
#define KK_SOURCE_TERMS 2048 /* terms (sample x harmonic) per vector pass */

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

/* One block's terms, element e = sample * H + harmonic:
 * sw = sin(ph) * 0.1 * uv + amp * sqrt(-2 ln u1) * cos(2 pi u2), as SineGen adds them (the
 * noise term is zero where amp is, u1 = 1). cos y is taken as sin(y + pi/2) in double. */
KK_SIMD_CLONES
static void block_terms(const float *restrict ph, const float *restrict uv,
                        const float *restrict amp, const float *restrict u1,
                        const float *restrict u2, float *restrict sw, int n)
{
    for (int e = 0; e < n; e++) {
        float s = kk_sin_lane((double)ph[e]) * 0.1f * uv[e];
        float c = kk_sin_lane((double)(6.28318531f * u2[e]) + 1.5707963267948966);
        float g = sqrtf(-2.0f * kk_log_lane(u1[e])) * c;
        sw[e] = s + amp[e] * g;
    }
}

static void source_chunks(void *p, int c0, int c1, int worker)
{
    const source_job *j = p;
    const float scale = (float)(1.0 / j->up);
    const size_t L = (size_t)j->nF0 * j->up;
    const int H = j->H, block = KK_SOURCE_TERMS / H; /* samples per pass */
    float ph[KK_SOURCE_TERMS], uv[KK_SOURCE_TERMS], amp[KK_SOURCE_TERMS], u1[KK_SOURCE_TERMS],
        u2[KK_SOURCE_TERMS], sw[KK_SOURCE_TERMS];
    (void)worker;
    for (int chunk = c0; chunk < c1; chunk++) {
        kk_rng rng;
        kk_rng_seed(&rng, j->seed, (uint64_t)chunk);
        size_t end = (size_t)(chunk + 1) * KK_SOURCE_CHUNK;
        end = end < L ? end : L;
        for (size_t t0 = (size_t)chunk * KK_SOURCE_CHUNK; t0 < end; t0 += (size_t)block) {
            int n = (int)(end - t0 < (size_t)block ? end - t0 : (size_t)block);
            for (int i = 0; i < n; i++) {
                size_t t = t0 + (size_t)i;
                /* linear interpolation x up, align_corners=False, as upsample_linear1d computes
                 * it */
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
                float v = j->F0[t / (size_t)j->up] > 10.0f ? 1.0f : 0.0f;
                float a = j->zero_noise ? 0.0f : v * 0.003f + ((1.0f - v) * 0.1f) / 3.0f;
                for (int h = 0; h < H; h++) {
                    int e = i * H + h;
                    ph[e] = l0 * j->P[(size_t)i0 * H + h] + l1 * j->P[(size_t)i1 * H + h];
                    uv[e] = v;
                    amp[e] = a;
                    if (j->zero_noise) {
                        u1[e] = 1.0f;
                        u2[e] = 0.0f;
                    } else {
                        kk_rng_uniforms(&rng, &u1[e], &u2[e]);
                    }
                }
            }
            block_terms(ph, uv, amp, u1, u2, sw, n * H);
            for (int i = 0; i < n; i++) {
                float acc = j->lb;
                for (int h = 0; h < H; h++)
                    acc += j->lw[h] * sw[i * H + h];
                j->src[t0 + (size_t)i] = tanhf(acc);
            }
        }
    }
}

kokoro_status kk_harmonic_source(kk_forward *f, const float *F0, int nF0, int up, float *src)
{
    const kk_weights *w = f->w;
    int H = w->gen.harmonics;
    if (H < 1 || H > KK_SOURCE_TERMS)
        return kk_fail(f->err, KOKORO_ERR_FORMAT, "harmonic source: %d harmonics (1 to %d)", H,
                       KK_SOURCE_TERMS);
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
    return KOKORO_OK;
}
