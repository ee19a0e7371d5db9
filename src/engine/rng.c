#include "engine/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(kk_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

void kk_rng_seed(kk_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

void kk_rng_uniforms(kk_rng *r, float *u1, float *u2)
{
    /* u1 in (0, 1] so that the log is finite */
    *u1 = (float)((next_u64(r) >> 40) + 1) * (1.0f / 16777216.0f);
    *u2 = (float)(next_u64(r) >> 40) * (1.0f / 16777216.0f);
}

float kk_rng_normal(kk_rng *r)
{
    float u1, u2;
    kk_rng_uniforms(r, &u1, &u2);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318531f * u2);
}
