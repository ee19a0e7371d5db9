/* rng — the per-call random numbers of the harmonic source (xoshiro256**, Box-Muller normals).
 * Not torch's generator: kokoro never seeds torch, so no bit-exact sequence exists to match. */
#ifndef KOKORO_ENGINE_RNG_H
#define KOKORO_ENGINE_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} kk_rng;

/* A stream determined by (seed, stream): independent streams for independent chunks of work, so
 * results do not depend on how the work is split over threads. */
void kk_rng_seed(kk_rng *r, uint64_t seed, uint64_t stream);
/* Standard normal, by Box-Muller: sqrtf(-2 logf(u1)) * cosf(2 pi u2) of the next two uniforms. */
float kk_rng_normal(kk_rng *r);
/* Those two uniforms alone (the same draws: u1 in (0, 1], u2 in [0, 1)), for callers that take
 * the logarithm and cosine of many at once (engine/sine_gen.c). */
void kk_rng_uniforms(kk_rng *r, float *u1, float *u2);
#endif
