// The harmonic source (SineGen + SourceModuleHnNSF) on the device, with the CPU engine's random
// streams: chunk i of KK_SOURCE_CHUNK samples draws from xoshiro256** seeded by (seed, i) exactly
// as src/engine/rng.c does, so a seed gives the same noise on both backends.
#include "cuda/kc.cuh"

#define KC_SOURCE_CHUNK 4096 // must equal KK_SOURCE_CHUNK of src/engine/istftnet.c
#define KC_SAMPLE_RATE 24000.0f

struct kc_rng {
    uint64_t s[4];
};

__device__ static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

__device__ static uint64_t next_u64(kc_rng *r)
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

__device__ static void rng_seed(kc_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

// The two uniforms a standard normal is made of, as src/engine/rng.c draws them: u1 in (0, 1]
// (finite log), u2 in [0, 1). The normal itself is sqrt(-2 ln u1) cos(2 pi u2).
__device__ static void rng_uniforms(kc_rng *r, float *u1, float *u2)
{
    *u1 = (float)((next_u64(r) >> 40) + 1) * (1.0f / 16777216.0f);
    *u2 = (float)(next_u64(r) >> 40) * (1.0f / 16777216.0f);
}

// P[j][h]: the phase of harmonic h at F0 frame j (cumulative sum in double, as the CPU).
__global__ static void k_phase(const float *F0, int nF0, int H, int up, float *P)
{
    int h = blockIdx.x * blockDim.x + threadIdx.x;
    if (h >= H)
        return;
    double acc = 0.0;
    for (int j = 0; j < nF0; j++) {
        float fn = F0[j] * (float)(h + 1);
        float r = fmodf(fn / KC_SAMPLE_RATE, 1.0f);
        if (r != 0.0f && r < 0.0f)
            r += 1.0f;
        acc += r;
        float ph = (float)acc;
        P[(size_t)j * H + h] = ((ph * 2.0f) * 3.14159274f) * (float)up;
    }
}

// One thread per chunk draws the chunk's uniforms in the CPU's order (sample by sample, harmonic
// by harmonic): a stream is sequential, so only this part is serial, and it is the cheap part.
__global__ static void k_uniforms(size_t L, int H, uint64_t seed, float2 *U)
{
    int chunk = blockIdx.x * blockDim.x + threadIdx.x;
    size_t t0 = (size_t)chunk * KC_SOURCE_CHUNK;
    if (t0 >= L)
        return;
    kc_rng rng;
    rng_seed(&rng, seed, (uint64_t)chunk);
    for (size_t t = t0; t < t0 + KC_SOURCE_CHUNK && t < L; t++)
        for (int h = 0; h < H; h++) {
            float2 u;
            rng_uniforms(&rng, &u.x, &u.y);
            U[t * H + h] = u;
        }
}

// One thread per sample: interpolated phases, sines, noise (U NULL: none), the linear merge, tanh.
__global__ static void k_source(const float *F0, const float *P, const float *lw, const float *lb,
                                int nF0, int up, int H, const float2 *U, float *src)
{
    size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    size_t L = (size_t)nF0 * up;
    if (t >= L)
        return;
    const float scale = (float)(1.0 / up);
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
    float uv = F0[t / (size_t)up] > 10.0f ? 1.0f : 0.0f;
    float noise_amp = uv * 0.003f + ((1.0f - uv) * 0.1f) / 3.0f;
    float acc = lb[0];
    for (int h = 0; h < H; h++) {
        float ph = l0 * P[(size_t)i0 * H + h] + l1 * P[(size_t)i1 * H + h];
        float sw = sinf(ph) * 0.1f * uv;
        if (U) {
            float2 u = U[t * H + h];
            sw += noise_amp * (sqrtf(-2.0f * logf(u.x)) * cosf(6.28318531f * u.y));
        }
        acc += lw[h] * sw;
    }
    src[t] = tanhf(acc);
}

void kc_harmonic_source(kc_ctx *c, const float *F0, int nF0, int up, int H, const float *lw,
                        const float *lb, int zero_noise, uint64_t seed, float *src)
{
    if (!kc_ok(c) || nF0 <= 0)
        return;
    kc_mark m = kc_mark_get(c);
    float *P = kc_alloc(c, (size_t)nF0 * H);
    if (!kc_ok(c))
        return;
    k_phase<<<(H + 31) / 32, 32, 0, c->s>>>(F0, nF0, H, up, P);
    size_t L = (size_t)nF0 * up;
    float2 *U = nullptr;
    if (!zero_noise) {
        U = (float2 *)kc_alloc(c, 2 * L * (size_t)H);
        if (!kc_ok(c))
            return;
        int chunks = (int)((L + KC_SOURCE_CHUNK - 1) / KC_SOURCE_CHUNK);
        k_uniforms<<<(chunks + 31) / 32, 32, 0, c->s>>>(L, H, seed, U);
    }
    k_source<<<(unsigned)((L + 255) / 256), 256, 0, c->s>>>(F0, P, lw, lb, nF0, up, H, U, src);
    kc_check(c, cudaGetLastError(), "harmonic source");
    kc_release(c, m);
}
