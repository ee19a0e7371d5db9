/*
 * simd — runtime ISA dispatch for hand-written loops.
 *
 * Release builds target x86-64-v3 (AVX2 + FMA), so one binary runs on every such machine. A
 * function marked KK_SIMD_CLONES is compiled a second time with AVX-512, and the dynamic loader
 * picks the version for the CPU it runs on (GCC/clang target_clones: an ifunc resolved by CPUID).
 * Only loops that vectorise well and matter for speed are marked.
 */
#ifndef KOKORO_NN_SIMD_H
#define KOKORO_NN_SIMD_H

#include <math.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(KK_NO_CLONES)
#define KK_SIMD_CLONES __attribute__((target_clones("avx512f", "default")))
#else
#define KK_SIMD_CLONES
#endif

#include <stdint.h>
#include <string.h>

/* e^y for y in [-87, 88] (callers clamp), in a form loops vectorise (libm's expf is a call per
 * element): e^y = 2^j e^r with j = round(y / ln 2), r = y - j ln 2 (ln 2 in two parts, |r| <=
 * ln2/2) and a degree-7 Taylor polynomial for e^r, truncation under 1e-8 relative; about 2 ulp in
 * all. The range keeps 2^j a normal float32. */
static inline float kk_exp_lane(float y)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float j = (y * 1.44269504f + magic) - magic;
    float r = fmaf(-j, 0.693145751953125f, y);
    r = fmaf(-j, 1.428606765330187e-6f, r);
    float p = fmaf(r, 1.98412698e-4f, 1.38888889e-3f);
    p = fmaf(r, p, 8.33333333e-3f);
    p = fmaf(r, p, 4.16666667e-2f);
    p = fmaf(r, p, 1.66666667e-1f);
    p = fmaf(r, p, 0.5f);
    p = fmaf(r, p, 1.0f);
    p = fmaf(r, p, 1.0f);
    int32_t bits = ((int32_t)j + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#endif
