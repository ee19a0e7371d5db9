/* The CUDA backend's operations against the CPU primitives (nn/nn.h) on random inputs.
 * Tolerance: max|gpu - cpu| <= tol * max(1, max|cpu|), with tol stated per operation below
 * (FP32 on both sides; the GPU sums in other orders, so bit equality is not expected).
 * Without a usable CUDA device the test exits 77, which CTest reports as skipped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/kokoro_cuda.h"
#include "cuda/kokoro_cuda_test.h"
#include "engine/rng.h"
#include "harness.h"
#include "nn/nn.h"

static char msg[512];
static uint64_t state = 0x9E3779B97F4A7C15ull;

static float urand(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((state >> 40) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f;
}

static float *rnd(size_t n, float scale)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        p[i] = urand() * scale;
    return p;
}

static void compare(const char *what, const float *gpu, const float *cpu, size_t n, double tol)
{
    double mx = 1.0, err = 0.0;
    for (size_t i = 0; i < n; i++)
        mx = fabs(cpu[i]) > mx ? fabs(cpu[i]) : mx;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)gpu[i] - cpu[i]);
        err = d > err || d != d ? d : err;
    }
    printf("  %-40s max|err| %.3g (bound %.3g)\n", what, err, tol * mx);
    CHECK_MSG(err <= tol * mx, "%s: max|err| %g > %g", what, err, tol * mx);
}

#define GPU(call) CHECK_MSG((call) == 0, "%s", msg)

static void test_linear(void)
{
    int n = 37, in = 300, out = 129;
    float *x = rnd((size_t)n * in, 1), *W = rnd((size_t)in * out, 0.1f), *b = rnd(out, 1);
    float *g = calloc((size_t)n * out, 4), *c = calloc((size_t)n * out, 4);
    kk_linear(x, n, in, W, b, out, c, 1);
    GPU(kk_cuda_test_linear(x, n, in, W, b, out, g, msg, sizeof msg));
    compare("linear 37x300 -> 129", g, c, (size_t)n * out, 1e-5);
    free(x), free(W), free(b), free(g), free(c);
}

static void test_layernorm(void)
{
    int n = 19, C = 768;
    float *x = rnd((size_t)n * C, 3), *gm = rnd(C, 1), *bt = rnd(C, 1);
    float *g = calloc((size_t)n * C, 4), *c = calloc((size_t)n * C, 4);
    kk_layernorm_rows(x, n, C, gm, bt, 1e-5f, c);
    GPU(kk_cuda_test_layernorm_rows(x, n, C, gm, bt, 1e-5f, g, msg, sizeof msg));
    compare("layernorm rows", g, c, (size_t)n * C, 1e-5);
    free(x), free(gm), free(bt), free(g), free(c);
}

static void conv_case(const char *name, int in, int out, int L, int k, int stride, int pad,
                      int dil, int act, int accumulate)
{
    float *x = rnd((size_t)in * L, 1), *W = rnd((size_t)out * in * k, 0.2f), *b = rnd(out, 1);
    float *sc = rnd(in, 1), *sh = rnd(in, 1), *al = rnd(in, 1);
    for (int i = 0; i < in; i++)
        al[i] = 0.5f + fabsf(al[i]);
    kk_pre pre = {sc, sh, (kk_act)act, 0.2f, al};
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    float *c = rnd((size_t)out * Lout, 1), *g = malloc((size_t)out * Lout * 4);
    memcpy(g, c, (size_t)out * Lout * 4);
    float *scr = malloc(kk_conv1d_scratch(in, out, L, k, stride, pad, dil, 1) * 4 + 64);
    kk_conv1d(x, in, L, act ? &pre : NULL, W, b, out, k, stride, pad, dil, c, accumulate, scr, 1);
    GPU(kk_cuda_test_conv1d(x, in, L, act ? &pre : NULL, W, b, out, k, stride, pad, dil, g,
                            accumulate, msg, sizeof msg));
    compare(name, g, c, (size_t)out * Lout, 1e-5);
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(c), free(g), free(scr);
}

static void test_conv_transpose(void)
{
    int in = 24, out = 12, L = 50, k = 12, u = 6, pad = (k - u) / 2;
    float *x = rnd((size_t)in * L, 1), *W = rnd((size_t)in * out * k, 0.2f), *b = rnd(out, 1);
    int Lout = kk_conv_transpose1d_len(L, k, u, pad, 0);
    float *c = calloc((size_t)out * Lout, 4), *g = calloc((size_t)out * Lout, 4);
    float *scr = malloc(kk_conv_transpose1d_scratch(in, out, L, k, 1) * 4 + 64);
    kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.1f, NULL};
    kk_conv_transpose1d(x, in, L, &leaky, W, b, out, k, u, pad, 0, c, scr, 1);
    GPU(kk_cuda_test_conv_transpose1d(x, in, L, &leaky, W, b, out, k, u, pad, 0, g, msg,
                                      sizeof msg));
    compare("conv_transpose1d x6 k12 (leaky 0.1 input)", g, c, (size_t)out * Lout, 1e-5);
    free(x), free(W), free(b), free(c), free(g), free(scr);

    int C = 40;
    x = rnd((size_t)C * L, 1), W = rnd((size_t)C * 3, 1), b = rnd(C, 1);
    float *sc = rnd(C, 1), *sh = rnd(C, 1);
    kk_pre pre = {sc, sh, KK_ACT_LEAKY, 0.2f, NULL};
    Lout = kk_conv_transpose1d_len(L, 3, 2, 1, 1);
    c = calloc((size_t)C * Lout, 4), g = calloc((size_t)C * Lout, 4);
    kk_conv_transpose1d_depthwise(x, C, L, &pre, W, b, 3, 2, 1, 1, c, 1);
    GPU(kk_cuda_test_conv_transpose1d_depthwise(x, C, L, &pre, W, b, 3, 2, 1, 1, g, msg,
                                                sizeof msg));
    compare("depthwise conv_transpose1d x2 (AdaIN+leaky)", g, c, (size_t)C * Lout, 1e-5);
    free(x), free(W), free(b), free(sc), free(sh), free(c), free(g);
}

static void test_lstm(void)
{
    int T = 41, in = 96, H = 48;
    kk_lstm_weights w = {{0}, {0}, {0}, {0}, in, H};
    float *p[8];
    for (int d = 0; d < 2; d++) {
        w.w_ih[d] = p[4 * d] = rnd((size_t)4 * H * in, 0.15f);
        w.w_hh[d] = p[4 * d + 1] = rnd((size_t)4 * H * H, 0.15f);
        w.b_ih[d] = p[4 * d + 2] = rnd((size_t)4 * H, 0.5f);
        w.b_hh[d] = p[4 * d + 3] = rnd((size_t)4 * H, 0.5f);
    }
    float *x = rnd((size_t)T * in, 1);
    float *c = calloc((size_t)T * 2 * H, 4), *g = calloc((size_t)T * 2 * H, 4);
    float *scr = malloc(kk_bilstm_scratch(T, H) * 4);
    kk_bilstm(&w, x, T, c, scr, 1);
    GPU(kk_cuda_test_bilstm(&w, x, T, g, msg, sizeof msg));
    compare("bidirectional LSTM T41 H48", g, c, (size_t)T * 2 * H, 1e-5);
    for (int i = 0; i < 8; i++)
        free(p[i]);
    free(x), free(c), free(g), free(scr);
}

static void test_adain(void)
{
    int C = 33, L = 5000;
    float *x = rnd((size_t)C * L, 2), *gb = rnd(2 * (size_t)C, 1), *nw = rnd(C, 1), *nb = rnd(C, 1);
    for (size_t i = 0; i < (size_t)C * L; i++)
        x[i] += 0.5f; /* a mean away from zero */
    float cs[64], ch[64], gs[64], gh[64];
    kk_adain_coeffs(x, C, L, gb, nw, nb, cs, ch, 1);
    GPU(kk_cuda_test_adain(x, C, L, gb, nw, nb, gs, gh, msg, sizeof msg));
    compare("AdaIN scale", gs, cs, (size_t)C, 1e-5);
    compare("AdaIN shift", gh, ch, (size_t)C, 1e-5);
    free(x), free(gb), free(nw), free(nb);
}

static void test_stft(void)
{
    int L = 6000, nf = 20, hop = 5, nb = nf / 2 + 1, N = kk_stft_frames(L, hop);
    float *x = rnd((size_t)L, 1);
    size_t n = (size_t)nb * N;
    float *cm = malloc(n * 4), *cp = malloc(n * 4), *gm = malloc(n * 4), *gp = malloc(n * 4);
    kk_stft(x, L, nf, hop, cm, cp, 1);
    GPU(kk_cuda_test_stft(x, L, nf, hop, gm, gp, msg, sizeof msg));
    compare("STFT magnitude", gm, cm, n, 1e-5);
    /* phase where the magnitude is not negligible, modulo 2 pi */
    double mx = 0, err = 0;
    for (size_t i = 0; i < n; i++)
        mx = cm[i] > mx ? cm[i] : mx;
    for (size_t i = 0; i < n; i++)
        if (cm[i] > 0.01 * mx) {
            double d = fmod(fabs((double)gp[i] - cp[i]), 2 * M_PI);
            d = d > M_PI ? 2 * M_PI - d : d;
            err = d > err ? d : err;
        }
    printf("  %-40s max wrapped err %.3g rad (bound 1e-4)\n", "STFT phase", err);
    CHECK(err <= 1e-4);

    /* iSTFT of conv_post-like input: the generator's exp/sin then torch.istft */
    N = 801;
    float *post = rnd((size_t)(nf + 2) * N, 1);
    float *mag = malloc((size_t)nb * N * 4), *ph = malloc((size_t)nb * N * 4);
    for (size_t i = 0; i < (size_t)nb * N; i++) {
        mag[i] = expf(post[i]);
        ph[i] = sinf(post[(size_t)nb * N + i]);
    }
    size_t Lo = (size_t)hop * (N - 1);
    float *cy = malloc(Lo * 4), *gy = malloc(Lo * 4);
    kk_istft(mag, ph, N, nf, hop, cy, 1);
    GPU(kk_cuda_test_istft_post(post, N, nf, hop, gy, msg, sizeof msg));
    compare("iSTFT (exp / sin of conv_post)", gy, cy, Lo, 1e-5);
    free(x), free(cm), free(cp), free(gm), free(gp), free(post), free(mag), free(ph), free(cy),
        free(gy);
}

/* The engine's harmonic source (src/engine/istftnet.c) restated over the engine's RNG, so the
 * GPU's streams are checked against the CPU's: same seed, same noise. */
static void cpu_source(const float *F0, int nF0, int up, int H, const float *lw, float lb,
                       int zero_noise, uint64_t seed, float *src)
{
    float *P = malloc((size_t)nF0 * H * sizeof(float));
    for (int h = 0; h < H; h++) {
        double acc = 0.0;
        for (int j = 0; j < nF0; j++) {
            float r = fmodf(F0[j] * (float)(h + 1) / 24000.0f, 1.0f);
            if (r != 0.0f && r < 0.0f)
                r += 1.0f;
            acc += r;
            P[(size_t)j * H + h] = (((float)acc * 2.0f) * 3.14159274f) * (float)up;
        }
    }
    size_t L = (size_t)nF0 * up;
    const float scale = (float)(1.0 / up);
    for (size_t chunk = 0; chunk * 4096 < L; chunk++) {
        kk_rng rng;
        kk_rng_seed(&rng, seed, chunk);
        for (size_t t = chunk * 4096; t < (chunk + 1) * 4096 && t < L; t++) {
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
            float amp = uv * 0.003f + ((1.0f - uv) * 0.1f) / 3.0f;
            float acc = lb;
            for (int h = 0; h < H; h++) {
                float ph = l0 * P[(size_t)i0 * H + h] + l1 * P[(size_t)i1 * H + h];
                float sw = sinf(ph) * 0.1f * uv;
                if (!zero_noise)
                    sw += amp * kk_rng_normal(&rng);
                acc += lw[h] * sw;
            }
            src[t] = tanhf(acc);
        }
    }
    free(P);
}

static void test_source(void)
{
    int nF0 = 60, up = 300, H = 9;
    float F0[60], lw[9];
    for (int j = 0; j < nF0; j++)
        F0[j] = j % 13 == 0 ? 0.0f : 120.0f + 40.0f * urand();
    for (int h = 0; h < H; h++)
        lw[h] = urand();
    size_t L = (size_t)nF0 * up;
    float *c = malloc(L * 4), *g = malloc(L * 4);
    for (int zero = 0; zero < 2; zero++) {
        cpu_source(F0, nF0, up, H, lw, 0.05f, zero, 1234, c);
        GPU(kk_cuda_test_harmonic_source(F0, nF0, up, H, lw, 0.05f, zero, 1234, g, msg,
                                         sizeof msg));
        compare(zero ? "harmonic source (zero noise)" : "harmonic source (seed 1234)", g, c, L,
                1e-4);
    }
    free(c), free(g);
}

int main(void)
{
    kokoro_cuda_device d;
    int n = kokoro_cuda_devices(&d, 1, msg, sizeof msg);
    if (n <= 0) {
        printf("no usable CUDA device (%s): skipped\n", n < 0 ? msg : "none found");
        return 77;
    }
    printf("device: %s (compute %d.%d)\n", d.name, d.cc_major, d.cc_minor);
    test_linear();
    test_layernorm();
    conv_case("conv1d k3 pad1", 64, 48, 300, 3, 1, 1, 1, KK_ACT_NONE, 0);
    conv_case("conv1d k7 dil5 (snake input)", 32, 32, 2000, 7, 1, 15, 5, KK_ACT_SNAKE, 1);
    conv_case("conv1d k11 dil3 accumulate (snake)", 16, 16, 5000, 11, 1, 15, 3, KK_ACT_SNAKE, 1);
    conv_case("conv1d k3 stride2 (1 channel)", 1, 1, 400, 3, 2, 1, 1, KK_ACT_NONE, 0);
    conv_case("conv1d k12 stride6 (noise conv)", 22, 16, 3001, 12, 6, 3, 1, KK_ACT_NONE, 0);
    conv_case("conv1d 1x1", 130, 70, 500, 1, 1, 0, 1, KK_ACT_NONE, 0);
    conv_case("conv1d k3 (AdaIN+leaky input)", 40, 40, 333, 3, 1, 1, 1, KK_ACT_LEAKY, 0);
    test_conv_transpose();
    test_lstm();
    test_adain();
    test_stft();
    test_source();
    return HARNESS_RETURN();
}
