/* The nn primitives against naive reference loops on small hand-made inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "harness.h"
#include "nn/nn.h"

static uint32_t rng_state = 12345;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}
static float *rnd(size_t n)
{
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}
static double maxdiff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        m = d > m || d != d ? d : m;
    }
    return m;
}

static float pre_ref(const kk_pre *p, int c, float v)
{
    if (!p)
        return v;
    v = v * (p->scale ? p->scale[c] : 1.0f) + (p->shift ? p->shift[c] : 0.0f);
    if (p->act == KK_ACT_LEAKY)
        return v < 0 ? v * p->slope : v;
    if (p->act == KK_ACT_SNAKE) {
        double s = sin((double)p->alpha[c] * v);
        return (float)(v + s * s / p->alpha[c]);
    }
    return v;
}

static void test_linear(void)
{
    int n = 5, in = 7, out = 3;
    float *x = rnd(n * in), *W = rnd(out * in), *b = rnd(out), y[15];
    kk_linear(x, n, in, W, b, out, y, 2);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int k = 0; k < in; k++)
                s += (double)x[i * in + k] * W[o * in + k];
            CHECK_NEAR(y[i * out + o], s, 1e-5);
        }
    free(x), free(W), free(b);
}

static void conv_case(int in, int out, int L, int k, int stride, int pad, int dil, int use_pre,
                      int acc)
{
    float *x = rnd((size_t)in * L), *W = rnd((size_t)out * in * k), *b = rnd(out);
    float *sc = rnd(in), *sh = rnd(in), *al = rnd(in);
    for (int c = 0; c < in; c++)
        al[c] = 0.5f + fabsf(al[c]);
    kk_pre pre = {sc, sh, use_pre == 2 ? KK_ACT_SNAKE : KK_ACT_LEAKY, 0.2f, al};
    const kk_pre *pp = use_pre ? &pre : NULL;
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    CHECK(Lout == (L + 2 * pad - dil * (k - 1) - 1) / stride + 1);
    float *y = rnd((size_t)out * Lout), *ref = malloc(sizeof(float) * out * Lout);
    for (int o = 0; o < out; o++)
        for (int t = 0; t < Lout; t++) {
            double s = b[o] + (acc ? y[o * Lout + t] : 0.0);
            for (int i = 0; i < in; i++)
                for (int j = 0; j < k; j++) {
                    int p = t * stride + j * dil - pad;
                    if (p >= 0 && p < L)
                        s += (double)W[(o * in + i) * k + j] * pre_ref(pp, i, x[i * L + p]);
                }
            ref[o * Lout + t] = (float)s;
        }
    float *scratch = malloc(sizeof(float) * (kk_conv1d_scratch(in, out, L, k, stride, pad, dil, 3) + 1));
    kk_conv1d(x, in, L, pp, W, b, out, k, stride, pad, dil, y, acc, scratch, 3);
    double d = maxdiff(y, ref, (size_t)out * Lout);
    CHECK_MSG(d < 1e-4, "conv1d in %d out %d L %d k %d s %d p %d d %d pre %d: %g", in, out, L, k,
              stride, pad, dil, use_pre, d);
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(y), free(ref), free(scratch);
}

static void test_conv1d(void)
{
    conv_case(3, 4, 17, 3, 1, 1, 1, 0, 0);
    conv_case(5, 2, 40, 7, 1, 9, 3, 2, 1);  /* dilated, snake input, residual accumulate */
    conv_case(4, 3, 33, 12, 6, 3, 1, 0, 0); /* the noise conv shape: k 12 stride 6 pad 3 */
    conv_case(2, 1, 10, 3, 2, 1, 1, 1, 0);  /* stride 2 with leaky input */
    conv_case(6, 5, 9, 1, 1, 0, 1, 0, 1);   /* 1x1 fast path */
    conv_case(300, 4, 5000, 11, 1, 25, 5, 2, 0); /* several im2col blocks */
}

static void test_conv_transpose(void)
{
    int in = 4, out = 3, L = 9, k = 6, stride = 3, pad = 1;
    float *x = rnd(in * L), *W = rnd(in * out * k), *b = rnd(out);
    int Lout = kk_conv_transpose1d_len(L, k, stride, pad, 0);
    CHECK(Lout == (L - 1) * stride - 2 * pad + k);
    float *y = malloc(sizeof(float) * out * Lout), *ref = malloc(sizeof(float) * out * Lout);
    for (int o = 0; o < out; o++)
        for (int t = 0; t < Lout; t++) {
            double s = b[o];
            for (int i = 0; i < in; i++)
                for (int p = 0; p < L; p++)
                    for (int j = 0; j < k; j++)
                        if (p * stride + j - pad == t)
                            s += (double)x[i * L + p] * (x[i * L + p] < 0 ? 0.1 : 1.0) *
                                 W[(i * out + o) * k + j];
            ref[o * Lout + t] = (float)s;
        }
    kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.1f, NULL};
    float *scratch = malloc(sizeof(float) * kk_conv_transpose1d_scratch(in, out, L, k, 2));
    kk_conv_transpose1d(x, in, L, &leaky, W, b, out, k, stride, pad, 0, y, scratch, 2);
    CHECK_MSG(maxdiff(y, ref, (size_t)out * Lout) < 1e-5, "conv_transpose1d");

    /* depthwise, k3 s2 p1 output_padding 1 (the AdainResBlk1d pool): length 2L */
    int C = 3;
    float *wd = rnd(C * 3), *bd = rnd(C), *yd = malloc(sizeof(float) * C * 2 * L);
    CHECK(kk_conv_transpose1d_len(L, 3, 2, 1, 1) == 2 * L);
    kk_conv_transpose1d_depthwise(x, C, L, NULL, wd, bd, 3, 2, 1, 1, yd, 2);
    for (int c = 0; c < C; c++)
        for (int m = 0; m < L; m++) {
            const float *xr = x + c * L, *w = wd + c * 3;
            CHECK_NEAR(yd[c * 2 * L + 2 * m], bd[c] + w[1] * xr[m], 1e-6);
            double odd = bd[c] + w[2] * xr[m] + (m + 1 < L ? w[0] * xr[m + 1] : 0.0);
            CHECK_NEAR(yd[c * 2 * L + 2 * m + 1], odd, 1e-6);
        }
    free(x), free(W), free(b), free(y), free(ref), free(scratch), free(wd), free(bd), free(yd);
}

static double sig(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static void test_lstm(void)
{
    int T = 6, in = 5, H = 4;
    kk_lstm_weights w = {.in = in, .hidden = H};
    float *p[8];
    for (int d = 0; d < 2; d++) {
        w.w_ih[d] = p[4 * d] = rnd(4 * H * in);
        w.w_hh[d] = p[4 * d + 1] = rnd(4 * H * H);
        w.b_ih[d] = p[4 * d + 2] = rnd(4 * H);
        w.b_hh[d] = p[4 * d + 3] = rnd(4 * H);
    }
    float *x = rnd(T * in), *y = malloc(sizeof(float) * T * 2 * H);
    float *scratch = malloc(sizeof(float) * kk_bilstm_scratch(T, H));
    kk_bilstm(&w, x, T, y, scratch, 2);
    for (int d = 0; d < 2; d++) {
        double h[4] = {0}, c[4] = {0};
        for (int s = 0; s < T; s++) {
            int t = d ? T - 1 - s : s;
            double z[16];
            for (int r = 0; r < 4 * H; r++) {
                z[r] = w.b_ih[d][r] + w.b_hh[d][r];
                for (int k = 0; k < in; k++)
                    z[r] += (double)w.w_ih[d][r * in + k] * x[t * in + k];
                for (int k = 0; k < H; k++)
                    z[r] += (double)w.w_hh[d][r * H + k] * h[k];
            }
            for (int j = 0; j < H; j++) {
                c[j] = sig(z[H + j]) * c[j] + sig(z[j]) * tanh(z[2 * H + j]);
                h[j] = sig(z[3 * H + j]) * tanh(c[j]);
                CHECK_NEAR(y[t * 2 * H + d * H + j], h[j], 1e-5);
            }
        }
    }
    for (int i = 0; i < 8; i++)
        free(p[i]);
    free(x), free(y), free(scratch);
}

static void test_norms(void)
{
    int C = 6, L = 50;
    float *x = rnd(C * L), *g = rnd(C), *b = rnd(C), *y = malloc(sizeof(float) * C * L);
    kk_layernorm_rows(x, L, C, g, b, 1e-5f, y); /* L rows of C */
    for (int r = 0; r < L; r++) {
        double m = 0, v = 0;
        for (int c = 0; c < C; c++)
            m += x[r * C + c];
        m /= C;
        for (int c = 0; c < C; c++)
            v += (x[r * C + c] - m) * (x[r * C + c] - m);
        v /= C;
        for (int c = 0; c < C; c++)
            CHECK_NEAR(y[r * C + c], (x[r * C + c] - m) / sqrt(v + 1e-5) * g[c] + b[c], 1e-5);
    }
    /* AdaIN: (1 + gamma) * (IN(x) * w + b) + beta, folded to scale/shift */
    float *gb = rnd(2 * C), sc[6], sh[6];
    kk_adain_coeffs(x, C, L, gb, g, b, sc, sh, 2);
    for (int c = 0; c < C; c++) {
        double m = 0, v = 0;
        for (int t = 0; t < L; t++)
            m += x[c * L + t];
        m /= L;
        for (int t = 0; t < L; t++)
            v += (x[c * L + t] - m) * (x[c * L + t] - m);
        v /= L;
        for (int t = 0; t < L; t++) {
            double in = (x[c * L + t] - m) / sqrt(v + 1e-5);
            double want = (1 + gb[c]) * (in * g[c] + b[c]) + gb[C + c];
            CHECK_NEAR(x[c * L + t] * sc[c] + sh[c], want, 1e-5);
        }
    }
    free(x), free(g), free(b), free(y), free(gb);
}

static void test_activations(void)
{
    double worst = 0;
    for (int i = -200000; i <= 200000; i++) {
        float v = (float)i * 0.0173f;
        double d = fabs((double)kk_sinf(v) - sin((double)v));
        worst = d > worst ? d : worst;
    }
    CHECK_MSG(worst < 2e-6, "kk_sinf max error %g", worst);
    float g[5] = {-3.0f, -0.5f, 0.0f, 0.7f, 2.5f};
    float want[5];
    for (int i = 0; i < 5; i++) {
        double v = g[i];
        want[i] = (float)(0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))));
    }
    kk_gelu_new(g, 5);
    for (int i = 0; i < 5; i++)
        CHECK_NEAR(g[i], want[i], 1e-6);
    float l[3] = {-2.0f, 0.0f, 3.0f};
    kk_leaky_relu(l, 3, 0.2f);
    CHECK_NEAR(l[0], -0.4f, 1e-7);
    CHECK_NEAR(l[2], 3.0f, 0);
}

static void test_stft(void)
{
    int L = 600, nf = 20, hop = 5, nb = 11, N = kk_stft_frames(L, hop);
    CHECK(N == 121);
    float *x = rnd(L), *mag = malloc(sizeof(float) * nb * N), *ph = malloc(sizeof(float) * nb * N);
    kk_stft(x, L, nf, hop, mag, ph);
    /* naive DFT of the reflect-padded, Hann-windowed frames */
    double worst = 0;
    for (int m = 0; m < N; m++)
        for (int k = 0; k < nb; k++) {
            double re = 0, im = 0;
            for (int n = 0; n < nf; n++) {
                int p = m * hop + n - nf / 2;
                p = p < 0 ? -p : (p >= L ? 2 * (L - 1) - p : p);
                double w = 0.5 - 0.5 * cos(2 * M_PI * n / nf);
                re += w * x[p] * cos(2 * M_PI * k * n / nf);
                im -= w * x[p] * sin(2 * M_PI * k * n / nf);
            }
            double d = fabs(mag[k * N + m] - sqrt(re * re + im * im));
            worst = d > worst ? d : worst;
            if (k == 0 || k == nb - 1)
                CHECK(ph[k * N + m] == 0.0f || fabsf(ph[k * N + m] - 3.14159274f) < 1e-6f);
            else if (sqrt(re * re + im * im) > 1e-3) {
                double dp = fabs(ph[k * N + m] - atan2(im, re));
                dp = dp > M_PI ? 2 * M_PI - dp : dp;
                CHECK_NEAR(dp, 0.0, 1e-3);
            }
        }
    CHECK_MSG(worst < 1e-4, "stft magnitude error %g", worst);
    /* istft(stft(x)) reconstructs x (Hann, hop n_fft/4 satisfies the overlap-add condition) */
    float *y = malloc(sizeof(float) * L), *scratch = malloc(sizeof(float) * kk_istft_scratch(N, nf, hop));
    kk_istft(mag, ph, N, nf, hop, y, scratch);
    CHECK_MSG(maxdiff(x, y, L) < 1e-4, "istft round trip error %g", maxdiff(x, y, L));
    free(x), free(mag), free(ph), free(y), free(scratch);
}

static void test_arena(void)
{
    kk_arena a;
    kk_arena_init(&a);
    float *p = kk_arena_floats(&a, 10);
    kk_arena_mark_t m = kk_arena_mark(&a);
    float *q = kk_arena_floats(&a, 100);
    float *big = kk_arena_floats(&a, (size_t)20 << 20); /* larger than one block */
    CHECK(p && q && big && q != p);
    CHECK(((uintptr_t)q & 63) == 0 && ((uintptr_t)big & 63) == 0);
    big[((size_t)20 << 20) - 1] = 1.0f;
    kk_arena_release(&a, m);
    float *r = kk_arena_floats(&a, 100);
    CHECK(r == q); /* released memory is reused */
    float *z = kk_arena_zeros(&a, 1000);
    CHECK(z[0] == 0.0f && z[999] == 0.0f);
    kk_arena_free(&a);
}

int main(void)
{
    test_linear();
    test_conv1d();
    test_conv_transpose();
    test_lstm();
    test_norms();
    test_activations();
    test_stft();
    test_arena();
    return HARNESS_RETURN();
}
