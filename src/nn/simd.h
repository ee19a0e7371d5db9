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

/* ln u for a positive normal float u, in a form loops vectorise: u = m 2^e with m in [sqrt(1/2),
 * sqrt(2)), ln u = e ln 2 + ln(1 + f), f = m - 1 exactly, ln(1 + f) by Cephes's logf polynomial
 * and ln 2 in two parts: about 1 ulp. */
static inline float kk_log_lane(float u)
{
    int32_t bits;
    memcpy(&bits, &u, sizeof bits);
    int32_t e = ((bits >> 23) & 0xff) - 127, mbits = (bits & 0x007fffff) | 0x3f800000;
    float m;
    memcpy(&m, &mbits, sizeof m);
    int big = m > 1.41421356f;
    float fe = (float)e + (big ? 1.0f : 0.0f);
    float f = (big ? 0.5f * m : m) - 1.0f, z = f * f;
    float p = fmaf(7.0376836292e-2f, f, -1.1514610310e-1f);
    p = fmaf(p, f, 1.1676998740e-1f);
    p = fmaf(p, f, -1.2420140846e-1f);
    p = fmaf(p, f, 1.4249322787e-1f);
    p = fmaf(p, f, -1.6668057665e-1f);
    p = fmaf(p, f, 2.0000714765e-1f);
    p = fmaf(p, f, -2.4999993993e-1f);
    p = fmaf(p, f, 3.3333331174e-1f);
    float y = fmaf(fe, -2.12194440e-4f, f * z * p);
    y = fmaf(-0.5f, z, y);
    return fmaf(fe, 0.693359375f, f + y);
}

/* sin x, rounded to float, for |x| < 2^50, in a form loops vectorise. The reduction is in double
 * (x - j pi, pi in two parts, j = round(x / pi)): exact to about 1e-16 for the harmonic source's
 * phases, which reach 1e7 radians on long inputs, where a float reduction would lose every digit;
 * then an odd Taylor polynomial to r^13 (under 7e-10 on [-pi/2, pi/2]) and the sign of (-1)^j.
 * The result is within about half an ulp of sin x. */
static inline float kk_sin_lane(double x)
{
    const double magic = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
    double jm = x * 0.31830988618379067 + magic, j = jm - magic;
    double r = fma(-j, 3.141592653589793116, x);
    r = fma(-j, 1.2246467991473532e-16, r);
    double r2 = r * r;
    double p = fma(r2, 1.6059043836821613e-10, -2.5052108385441720e-8);
    p = fma(r2, p, 2.7557319223985893e-6);
    p = fma(r2, p, -1.9841269841269841e-4);
    p = fma(r2, p, 8.3333333333333333e-3);
    p = fma(r2, p, -1.6666666666666667e-1);
    double s = fma(r * r2, p, r);
    uint64_t jbits, sbits;
    memcpy(&jbits, &jm, sizeof jbits);
    memcpy(&sbits, &s, sizeof sbits);
    sbits ^= jbits << 63; /* j's parity is the low bit of jm's mantissa */
    memcpy(&s, &sbits, sizeof s);
    return (float)s;
}

#endif
