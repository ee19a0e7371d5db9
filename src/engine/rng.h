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
/* Standard normal. */
float kk_rng_normal(kk_rng *r);
#endif
