/* The nn primitives against naive reference loops on small hand-made inputs; the engine's
 * scratch memory (arena, scratch cache). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "harness.h"
#include "nn/conv_fft.h"
#include "nn/conv_wino.h"
#include "nn/fft.h"
#include "nn/gemm.h"
#include "nn/nn.h"
#include "nn/simd.h"
#include "nn/strided.h"

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
    /* weights packed at load: the transposes around the GEMM move 8 x 8 squares, so shapes with
     * tails in every direction, with and without bias, over 1 and 3 workers (same bits) */
    const int shapes[][3] = {{37, 29, 83}, {8, 16, 8}, {3, 5, 2}, {64, 96, 200}};
    for (int si = 0; si < 4; si++) {
        n = shapes[si][0], in = shapes[si][1], out = shapes[si][2];
        x = rnd((size_t)n * in), W = rnd((size_t)out * in), b = rnd(out);
        float *P = malloc(sizeof(float) * kk_linear_packed_floats(in, out));
        float *sc = malloc(sizeof(float) * kk_linear_packed_scratch(n, in, out));
        float *y1 = malloc(sizeof(float) * n * out), *y3 = malloc(sizeof(float) * n * out);
        kk_linear_pack(W, in, out, P);
        for (int with_b = 0; with_b < 2; with_b++) {
            const float *bb = with_b ? b : NULL;
            kk_linear_packed(x, n, in, P, bb, out, y1, sc, 1);
            kk_linear_packed(x, n, in, P, bb, out, y3, sc, 3);
            CHECK(!memcmp(y1, y3, sizeof(float) * n * out));
            double worst = 0;
            for (int i = 0; i < n; i++)
                for (int o = 0; o < out; o++) {
                    double r = bb ? bb[o] : 0.0;
                    for (int k = 0; k < in; k++)
                        r += (double)x[i * in + k] * W[o * in + k];
                    worst = fmax(worst, fabs(y1[i * out + o] - r));
                }
            CHECK_MSG(worst < 1e-5, "linear_packed %dx%dx%d error %g", n, in, out, worst);
        }
        free(x), free(W), free(b), free(P), free(sc), free(y1), free(y3);
    }
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
    float *y0 = malloc(sizeof(float) * out * Lout);
    memcpy(y0, y, sizeof(float) * out * Lout);
    float *scratch = malloc(sizeof(float) * (kk_conv1d_scratch(in, out, L, k, stride, pad, dil, 3) + 1));
    kk_conv1d(x, in, L, pp, W, b, out, k, stride, pad, dil, y, acc, scratch, 3);
    double d = maxdiff(y, ref, (size_t)out * Lout);
    CHECK_MSG(d < 1e-4, "conv1d in %d out %d L %d k %d s %d p %d d %d pre %d: %g", in, out, L, k,
              stride, pad, dil, use_pre, d);
    free(scratch);

    /* the same through kk_buf, each side float32 or packed: packing rounds every value it stores
     * by at most 2^-16 of itself, so the result stays within that of the sums of magnitudes */
    double mag = 0.0;
    for (size_t i = 0; i < (size_t)out * Lout; i++)
        mag = fabs(ref[i]) > mag ? fabs(ref[i]) : mag;
    scratch = malloc(sizeof(float) * (kk_conv1d_buf_scratch(in, out, L, k, stride, pad, dil, 3) + 1));
    for (int mode = 1; mode < 4; mode++) {
        void *xm = malloc(kk_buf_packed_bytes(in, L)), *ym = malloc(kk_buf_packed_bytes(out, Lout));
        kk_buf xb = kk_buf_f32(x, in, L), yb = kk_buf_f32(y, out, Lout);
        if (mode & 1) {
            kk_buf xf = xb;
            xb = kk_buf_packed(xm, in, L);
            kk_buf_copy(&xb, &xf, 2);
        }
        memcpy(y, y0, sizeof(float) * out * Lout);
        if (mode & 2) {
            yb = kk_buf_packed(ym, out, Lout);
            kk_buf yf = kk_buf_f32(y, out, Lout);
            kk_buf_copy(&yb, &yf, 2);
        }
        kk_conv1d_buf(&xb, pp, W, b, out, k, stride, pad, dil, &yb, acc, scratch, 3);
        if (mode & 2)
            for (int o = 0; o < out; o++)
                kk_buf_read(&yb, o, 0, Lout, y + (size_t)o * Lout);
        d = maxdiff(y, ref, (size_t)out * Lout);
        double bound = 1e-4 + 4e-5 * mag * (in * k > 1 ? sqrt((double)in * k) : 1.0);
        CHECK_MSG(d < bound, "conv1d_buf mode %d in %d out %d L %d k %d: %g > %g", mode, in, out,
                  L, k, d, bound);
        free(xm), free(ym);
    }
    /* column ranges computed by the caller, as the recomputing resblock does */
    if (stride == 1 && k > 1) {
        float *Wk = malloc(sizeof(float) * out * in * k);
        kk_conv1d_rearrange(W, out, in, k, Wk);
        kk_buf xb = kk_buf_f32(x, in, L);
        int t0 = Lout / 3, n = Lout - t0 < 37 ? Lout - t0 : 37;
        float *part = malloc(sizeof(float) * out * n);
        float *cs = malloc(sizeof(float) * kk_conv1d_cols_scratch(in, n, k, dil));
        for (int o = 0; o < out; o++)
            for (int t = 0; t < n; t++)
                part[o * n + t] = b[o] + (acc ? y0[o * Lout + t0 + t] : 0.0f);
        kk_conv1d_cols(&xb, pp, Wk, out, k, pad, dil, t0, n, part, (size_t)n, cs);
        for (int o = 0; o < out; o++)
            for (int t = 0; t < n; t++)
                CHECK_NEAR(part[o * n + t], ref[o * Lout + t0 + t], 1e-4);
        free(Wk), free(part), free(cs);

        /* weights packed once (as at model load): the same convolution within the same bound,
         * and bit-identical for every thread count */
        float *P = malloc(sizeof(float) * kk_conv1d_packed_floats(out, in, k));
        CHECK(kk_conv1d_pack(W, out, in, k, P));
        float *yp[3];
        for (int r = 0; r < 3; r++) {
            int threads = r + 1;
            yp[r] = malloc(sizeof(float) * out * Lout);
            memcpy(yp[r], y0, sizeof(float) * out * Lout);
            float *ps = malloc(sizeof(float) * (kk_conv1d_packed_scratch(in, out, L, k, pad, dil, threads) + 1));
            kk_conv1d_packed(x, in, L, pp, P, b, out, k, pad, dil, yp[r], acc, ps, threads);
            free(ps);
        }
        /* float32 sums of in*k terms in another order than the BLAS: rounding grows like
         * eps x magnitude x sqrt(terms); 4e-7 is about 7 eps */
        d = maxdiff(yp[0], ref, (size_t)out * Lout);
        double pbound = 1e-4 + 4e-7 * mag * sqrt((double)in * k);
        CHECK_MSG(d < pbound, "conv1d_packed in %d out %d L %d k %d d %d: %g > %g", in, out, L, k,
                  dil, d, pbound);
        CHECK(memcmp(yp[0], yp[1], sizeof(float) * out * Lout) == 0);
        CHECK(memcmp(yp[0], yp[2], sizeof(float) * out * Lout) == 0);
        free(P), free(yp[0]), free(yp[1]), free(yp[2]);
    }
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(y), free(y0), free(ref),
        free(scratch);
}

static void test_conv1d(void)
{
    conv_case(3, 4, 17, 3, 1, 1, 1, 0, 0);
    conv_case(5, 2, 40, 7, 1, 9, 3, 2, 1);  /* dilated, snake input, residual accumulate */
    conv_case(4, 3, 33, 12, 6, 3, 1, 0, 0); /* the noise conv shape: k 12 stride 6 pad 3 */
    conv_case(2, 1, 10, 3, 2, 1, 1, 1, 0);  /* stride 2 with leaky input */
    conv_case(6, 5, 9, 1, 1, 0, 1, 0, 1);   /* 1x1 fast path */
    conv_case(300, 4, 5000, 11, 1, 25, 5, 2, 0); /* several im2col blocks */
    conv_case(70, 200, 90, 3, 1, 1, 1, 1, 1);    /* row groups at panel boundaries */
    conv_case(40, 100, 3000, 5, 1, 2, 1, 0, 0);  /* many column blocks */
    conv_case(32, 520, 100, 3, 1, 1, 1, 1, 1);   /* packed: one column block, channels split */
}

/* ConvTranspose1d by output phases on packed weights (nn/conv_transpose_phases.c) against the
 * sum over every (input, tap) pair that reaches an output, in double. Covers k a multiple of the
 * stride (Kokoro's ups: k = 2u, pad = u/2) and not, pads from 0 to past a phase, output padding,
 * units of many columns (whole units per worker) and one (its steps split), compact input. */
static void tconv_phases_case(int in, int out, int L, int k, int u, int pad, int outpad,
                              int compact)
{
    float *x = rnd((size_t)in * L), *W = rnd((size_t)in * out * k), *b = rnd(out);
    int Lout = kk_conv_transpose1d_len(L, k, u, pad, outpad);
    float *ref = malloc(sizeof(float) * out * Lout), *y1 = malloc(sizeof(float) * out * Lout);
    float *y3 = malloc(sizeof(float) * out * Lout);
    void *mem = compact ? malloc(kk_buf_packed_bytes(in, L)) : NULL;
    kk_buf xb = kk_buf_f32(x, in, L);
    if (compact) { /* the reference reads the same (rounded) values */
        kk_buf pb = kk_buf_packed(mem, in, L);
        for (int c = 0; c < in; c++) {
            kk_buf_write(&pb, c, 0, L, x + (size_t)c * L);
            kk_buf_read(&pb, c, 0, L, x + (size_t)c * L);
        }
        xb = pb;
    }
    for (int o = 0; o < out; o++)
        for (int t = 0; t < Lout; t++) {
            double s = b[o];
            for (int i = 0; i < in; i++)
                for (int q = 0; q < k; q++) {
                    int tp = t + pad - q;
                    if (tp % u == 0 && tp / u >= 0 && tp / u < L) {
                        float v = x[(size_t)i * L + tp / u];
                        s += (double)(v < 0 ? 0.1f * v : v) * W[((size_t)i * out + o) * k + q];
                    }
                }
            ref[(size_t)o * Lout + t] = (float)s;
        }
    float *P = malloc(sizeof(float) * kk_tconv_packed_floats(in, out, k, u));
    CHECK(kk_tconv_pack(W, in, out, k, u, P));
    kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.1f, NULL};
    float *sc = malloc(sizeof(float) * kk_tconv_packed_scratch(in, out, L, k, u, pad, outpad, 3));
    kk_tconv_packed(&xb, &leaky, P, b, out, k, u, pad, outpad, y1, sc, 1);
    kk_tconv_packed(&xb, &leaky, P, b, out, k, u, pad, outpad, y3, sc, 3);
    CHECK_MSG(maxdiff(y1, ref, (size_t)out * Lout) < 1e-5 * sqrt((double)in * k),
              "tconv phases in %d out %d L %d k %d u %d pad %d: %g", in, out, L, k, u, pad,
              maxdiff(y1, ref, (size_t)out * Lout));
    CHECK(!memcmp(y1, y3, sizeof(float) * out * Lout));
    free(x), free(W), free(b), free(ref), free(y1), free(y3), free(mem), free(P), free(sc);
}

static void test_conv_transpose(void)
{
    tconv_phases_case(24, 20, 37, 20, 10, 5, 0, 0);
    tconv_phases_case(16, 12, 300, 12, 6, 3, 0, 1);
    tconv_phases_case(5, 7, 9, 6, 3, 1, 0, 0);
    tconv_phases_case(6, 5, 11, 7, 3, 0, 2, 0);
    tconv_phases_case(6, 5, 11, 5, 2, 4, 1, 0);
    tconv_phases_case(3, 130, 2000, 4, 4, 0, 0, 0);
    tconv_phases_case(4, 64, 4000, 8, 4, 2, 0, 0); /* 8 units: whole units per worker */

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
    worst = 0;
    for (int i = 0; i <= 175000; i++) {
        float y = -87.0f + (float)i * 0.001f;
        double want_e = exp((double)y), err = fabs(kk_exp_lane(y) - want_e) / want_e;
        worst = err > worst ? err : worst;
    }
    CHECK_MSG(worst < 3e-7, "kk_exp_lane max relative error %g", worst);
    /* the harmonic source's lanes: ln u over (0, 1] and beyond, sin x up to its 1e7-rad phases */
    worst = 0;
    for (int i = 0; i <= 200000; i++) {
        float u = i < 100000 ? ldexpf(1.0f + (float)i / 100000.0f, -24 + i % 25)
                             : 1.0f + (float)(i - 150000) * 1e-5f;
        double want_l = log((double)u);
        double err = fabs(kk_log_lane(u) - want_l) / fmax(fabs(want_l), 1e-30);
        worst = err > worst ? err : worst;
    }
    CHECK_MSG(worst < 1.5e-7, "kk_log_lane max relative error %g", worst);
    worst = 0;
    for (int i = -200000; i <= 200000; i++) {
        float x = i % 2 ? (float)i * 5e-4f : (float)i * 61.0f + 0.37f * (float)(i % 7);
        double err = fabs(kk_sin_lane((double)x) - sin((double)x));
        worst = err > worst ? err : worst;
    }
    CHECK_MSG(worst < 4e-8, "kk_sin_lane max error %g", worst);
    /* the whole range in double, including both clamps (|v| up to ~50) */
    enum { NG = 20001 };
    float *gv = malloc(sizeof(float) * NG);
    for (int i = 0; i < NG; i++)
        gv[i] = (float)(i - NG / 2) * 0.005f;
    gv[0] = -1e4f, gv[NG - 1] = 1e4f;
    float *gy = malloc(sizeof(float) * NG);
    memcpy(gy, gv, sizeof(float) * NG);
    kk_gelu_new(gy, NG);
    worst = 0;
    for (int i = 0; i < NG; i++) {
        double v = gv[i], u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
        double ref = 0.5 * v * (1 + tanh(u)), err = fabs(gy[i] - ref) / fmax(1.0, fabs(v));
        worst = err > worst ? err : worst;
    }
    CHECK_MSG(worst < 3e-7, "gelu_new max error %g x max(1, |v|)", worst);
    free(gv), free(gy);
    float l[3] = {-2.0f, 0.0f, 3.0f};
    kk_leaky_relu(l, 3, 0.2f);
    CHECK_NEAR(l[0], -0.4f, 1e-7);
    CHECK_NEAR(l[2], 3.0f, 0);
}

static void test_stft(void)
{
    /* long enough for several blocks of frames and of output samples (nn/stft.c) */
    int L = 5000, nf = 20, hop = 5, nb = 11, N = kk_stft_frames(L, hop);
    CHECK(N == 1001);
    float *x = rnd(L), *mag = malloc(sizeof(float) * nb * N), *ph = malloc(sizeof(float) * nb * N);
    kk_stft(x, L, nf, hop, mag, ph, 1);
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
    float *y = malloc(sizeof(float) * L);
    kk_istft(mag, ph, N, nf, hop, y, 1);
    CHECK_MSG(maxdiff(x, y, L) < 1e-4, "istft round trip error %g", maxdiff(x, y, L));
    /* the same bits with the blocks split over workers */
    float *mag3 = malloc(sizeof(float) * nb * N), *ph3 = malloc(sizeof(float) * nb * N);
    float *y3 = malloc(sizeof(float) * L);
    kk_stft(x, L, nf, hop, mag3, ph3, 3);
    kk_istft(mag, ph, N, nf, hop, y3, 3);
    CHECK(!memcmp(mag, mag3, sizeof(float) * nb * N) && !memcmp(ph, ph3, sizeof(float) * nb * N));
    CHECK(!memcmp(y, y3, sizeof(float) * L));
    free(x), free(mag), free(ph), free(y), free(mag3), free(ph3), free(y3);
}

static void test_packed(void)
{
    int C = 3, L = 5000;
    float *v = malloc(sizeof(float) * C * L), *back = malloc(sizeof(float) * L);
    for (int i = 0; i < C * L; i++)
        v[i] = frand() * powf(10.0f, (float)(i % 13) - 6.0f);
    v[0] = 0.0f;
    v[1] = -1.0f;
    v[2] = 65536.0f + 3.0f; /* needs more than 15 mantissa bits: rounds */
    void *mem = malloc(kk_buf_packed_bytes(C, L));
    kk_buf p = kk_buf_packed(mem, C, L), f = kk_buf_f32(v, C, L);
    kk_buf_copy(&p, &f, 2);
    double worst = 0.0;
    for (int c = 0; c < C; c++) {
        kk_buf_read(&p, c, 0, L, back);
        for (int t = 0; t < L; t++) {
            float x = v[(size_t)c * L + t];
            double r = x == 0.0f ? fabs(back[t]) : fabs((double)back[t] - x) / fabs(x);
            worst = r > worst ? r : worst;
        }
    }
    CHECK_MSG(worst <= ldexp(1.0, -16), "packed relative error %g > 2^-16", worst);
    kk_buf_read(&p, 0, 0, 3, back);
    CHECK(back[0] == 0.0f && back[1] == -1.0f && back[2] == 65536.0f + 4.0f);

    /* sum with a divisor: (dst + src) / 3, then read back rounded */
    float *w = rnd((size_t)C * L), *sumref = malloc(sizeof(float) * C * L);
    void *mem2 = malloc(kk_buf_packed_bytes(C, L));
    kk_buf q = kk_buf_packed(mem2, C, L), wf = kk_buf_f32(w, C, L);
    kk_buf_copy(&q, &wf, 1);
    for (int c = 0; c < C; c++) {
        kk_buf_read(&p, c, 0, L, back);
        for (int t = 0; t < L; t++) {
            float a = back[t];
            kk_buf_read(&q, c, t, 1, &sumref[(size_t)c * L + t]);
            sumref[(size_t)c * L + t] = (a + sumref[(size_t)c * L + t]) / 3.0f;
        }
    }
    kk_buf_sum(&p, &q, 3.0f, 2);
    for (int c = 0; c < C; c++) {
        kk_buf_read(&p, c, 0, L, back);
        for (int t = 0; t < L; t++) {
            float e = sumref[(size_t)c * L + t];
            CHECK(fabsf(back[t] - e) <= ldexpf(fabsf(e), -16));
        }
    }
    /* statistics of packed rows agree with those of the float32 rows they came from */
    float m1[3], s1[3], m2[3], s2[3];
    kk_buf_copy(&q, &wf, 2);
    kk_instance_stats(w, C, L, 1e-5f, m1, s1, 2);
    kk_instance_stats_buf(&q, 1e-5f, m2, s2, 2);
    for (int c = 0; c < C; c++) {
        CHECK_NEAR(m1[c], m2[c], 1e-5);
        CHECK_NEAR(s1[c], s2[c], 1e-4 * s1[c]);
    }
    free(v), free(back), free(mem), free(w), free(sumref), free(mem2);
}

/* The model's scratch cache: a region given back serves the next request of about its size
 * (zero-filled when asked), within the cap; a miss or an oversized request empties it, unless
 * it holds at most a sixth of the cap. */
static void test_scratch_cache(void)
{
    const size_t MiB = (size_t)1 << 20;
    kk_scratch_cache *c = kk_scratch_cache_new(8 * MiB, 4 * MiB);
    CHECK(c != NULL);
    size_t n1 = 3 * MiB - 100;
    float *p = kk_region_map(c, &n1, 0);
    CHECK(p && n1 == 3 * MiB && ((uintptr_t)p & 4095) == 0);
    p[0] = 7.0f;
    kk_region_unmap(c, p, n1);
    CHECK(kk_scratch_cache_bytes(c) == 3 * MiB);
    size_t n2 = 3 * MiB - 5000; /* about the same size: the same pages, contents kept */
    float *q = kk_region_map(c, &n2, 0);
    CHECK(q == p && n2 == 3 * MiB && q[0] == 7.0f && kk_scratch_cache_bytes(c) == 0);
    kk_region_unmap(c, q, n2);
    size_t n3 = 3 * MiB;
    float *z = kk_region_map(c, &n3, 1); /* zero-filled on request */
    CHECK(z == p && z[0] == 0.0f);
    kk_region_unmap(c, z, n3);
    size_t n4 = MiB; /* a miss: the 3 MiB region is given back, not kept beside it */
    float *m = kk_region_map(c, &n4, 0);
    CHECK(m && kk_scratch_cache_bytes(c) == 0);
    kk_region_unmap(c, m, n4);
    size_t n5 = 6 * MiB; /* more than max_region: never kept */
    float *b = kk_region_map(c, &n5, 0);
    CHECK(b && kk_scratch_cache_bytes(c) == 0);
    b[n5 / sizeof(float) - 1] = 1.0f;
    kk_region_unmap(c, b, n5);
    CHECK(kk_scratch_cache_bytes(c) == 0);
    /* the cap: 3 + 3 + 3 MiB given back, 8 MiB kept at most */
    float *r[3];
    size_t rn[3];
    for (int i = 0; i < 3; i++) {
        rn[i] = 3 * MiB;
        r[i] = kk_region_map(c, &rn[i], 0);
        CHECK(r[i] != NULL);
    }
    for (int i = 0; i < 3; i++)
        kk_region_unmap(c, r[i], rn[i]);
    CHECK(kk_scratch_cache_bytes(c) == 6 * MiB);
    kk_scratch_cache_flush(c);
    CHECK(kk_scratch_cache_bytes(c) == 0);
    /* a little kept (1 MiB <= 8/6 MiB) stays beside a miss, and serves its size again */
    size_t s1 = MiB, s2 = 2 * MiB;
    float *k1 = kk_region_map(c, &s1, 0);
    kk_region_unmap(c, k1, s1);
    float *k2 = kk_region_map(c, &s2, 0);
    CHECK(k2 && k2 != k1 && kk_scratch_cache_bytes(c) == MiB);
    size_t s3 = MiB;
    float *k3 = kk_region_map(c, &s3, 0);
    CHECK(k3 == k1 && kk_scratch_cache_bytes(c) == 0);
    kk_region_unmap(c, k2, s2);
    kk_region_unmap(c, k3, s3);
    kk_scratch_cache_flush(c);
    CHECK(kk_scratch_cache_bytes(c) == 0);
    /* an arena on the cache: its block comes back to the next arena */
    kk_arena a;
    kk_arena_init(&a, c);
    float *f1 = kk_arena_floats(&a, 1000);
    f1[0] = 3.0f;
    kk_arena_free(&a);
    CHECK(kk_scratch_cache_bytes(c) == 0); /* a 64 MiB block is over this cache's max_region */
    kk_scratch_cache_free(c);
    kk_scratch_cache_free(NULL);
}

static void test_arena(void)
{
    kk_arena a;
    kk_arena_init(&a, NULL);
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
    /* buffers outside the stack: freed in any order, counted in held/peak */
    size_t held = a.held;
    float *g1 = kk_arena_big_alloc(&a, (size_t)3 << 20), *g2 = kk_arena_big_alloc(&a, 4096);
    CHECK(g1 && g2 && a.held == held + ((size_t)3 << 20) + 4096 && a.peak >= a.held);
    g1[0] = g2[1023] = 2.0f;
    kk_arena_big_free(&a, g1);
    /* without a cache the buffer freed last stays mapped (and counted) for the next big one,
     * which takes it with its pages, resized to its own size */
    CHECK(a.spare == g1 && a.held == held + ((size_t)3 << 20) + 4096);
    g1[((size_t)3 << 18) - 1] = 3.0f;
    float *g3 = kk_arena_big_alloc(&a, (size_t)5 << 20);
    CHECK(g3 && a.spare == NULL && a.held == held + ((size_t)5 << 20) + 4096);
    CHECK(g3[0] == 2.0f && g3[((size_t)3 << 18) - 1] == 3.0f); /* the same pages */
    g3[((size_t)5 << 18) - 1] = 4.0f;
    kk_arena_big_free(&a, g3);
    float *g4 = kk_arena_big_alloc(&a, (size_t)1 << 20); /* shrunk: the tail goes back */
    CHECK(g4 && g4[0] == 2.0f && a.held == held + ((size_t)1 << 20) + 4096);
    kk_arena_big_free(&a, g4);
    CHECK(a.spare == g4);
    /* a new stack block unmaps the spare instead (its unused tail would stay resident) */
    kk_arena_mark_t m2 = kk_arena_mark(&a);
    float *blk = kk_arena_floats(&a, (size_t)70 << 20);
    CHECK(blk && a.spare == NULL);
    blk[0] = 1.0f;
    kk_arena_release(&a, m2);
    /* trimming keeps what is in use */
    z[999] = 5.0f;
    kk_arena_trim(&a);
    CHECK(z[999] == 5.0f);
    float *after = kk_arena_floats(&a, 100);
    after[99] = 1.0f;
    kk_arena_free(&a); /* frees g2 too */
    CHECK(a.held == 0 && a.bigs == NULL);
}

/* The batched real FFT against a double DFT, both directions, several lengths. */
static void test_rfft(void)
{
    for (int N = 4; N <= 64; N *= 2) {
        kk_rfft t;
        CHECK(kk_rfft_init(&t, N) == 0);
        int M = N / 2, B = 5;
        float *x = rnd((size_t)N * B), *zr = malloc(sizeof(float) * M * B);
        float *zi = malloc(sizeof(float) * M * B), *Xr = malloc(sizeof(float) * (M + 1) * B);
        float *Xi = malloc(sizeof(float) * (M + 1) * B);
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
                (n & 1 ? zi : zr)[t.rev[n >> 1] * B + b] = x[b * N + n];
        kk_rfft_forward(&t, zr, zi, B, Xr, Xi);
        double worst = 0.0;
        for (int b = 0; b < B; b++)
            for (int f = 0; f <= M; f++) {
                double re = 0, im = 0;
                for (int n = 0; n < N; n++) {
                    re += x[b * N + n] * cos(2 * M_PI * f * n / N);
                    im -= x[b * N + n] * sin(2 * M_PI * f * n / N);
                }
                worst = fmax(worst, fabs(Xr[f * B + b] - 2 * re));
                if (f > 0 && f < M)
                    worst = fmax(worst, fabs(Xi[f * B + b] - 2 * im));
            }
        CHECK_MSG(worst < 1e-4, "rfft forward N %d error %g", N, worst);
        /* inverse of 2X is 2N x */
        kk_rfft_inverse(&t, Xr, Xi, B, zr, zi);
        worst = 0.0;
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
                worst = fmax(worst, fabs((n & 1 ? zi : zr)[(n >> 1) * B + b] / (2.0 * N) -
                                         x[b * N + n]));
        CHECK_MSG(worst < 1e-5, "rfft round trip N %d error %g", N, worst);
        free(x), free(zr), free(zi), free(Xr), free(Xi);
        kk_rfft_free(&t);
    }
    kk_rfft t;
    CHECK(kk_rfft_init(&t, 48) != 0);
    CHECK(kk_rfft_init(&t, 2) != 0);
}

/* A fast convolution's moments (sum, sum of squares per row, as stored) against double sums of
 * its output y [C][L]: the same up to double rounding. */
static void check_moments(const double *mom, const float *y, int C, int L, const char *what)
{
    double worst = 0.0;
    for (int c = 0; c < C; c++) {
        double s = 0.0, q = 0.0;
        for (int t = 0; t < L; t++) {
            s += y[(size_t)c * L + t];
            q += (double)y[(size_t)c * L + t] * y[(size_t)c * L + t];
        }
        worst = fmax(worst, fabs(mom[2 * c] - s) / fmax(1.0, q));
        worst = fmax(worst, fabs(mom[2 * c + 1] - q) / fmax(1.0, q));
    }
    CHECK_MSG(worst < 1e-12, "%s moments: %g", what, worst);
}

/* The FFT convolution against the direct one: kernels, dilations, lengths (shorter than a block,
 * a few units, many units), float32 and packed storage, accumulation, thread counts; and the
 * result identical for 1 and 3 threads. */
static void fft_conv_case(int C, int L, int k, int d, int N, int packed, int acc)
{
    float *x = rnd((size_t)C * L), *W = rnd((size_t)C * C * k), *b = rnd(C);
    float *sc = rnd(C), *sh = rnd(C), *al = rnd(C);
    for (int c = 0; c < C; c++)
        al[c] = 0.5f + fabsf(al[c]);
    kk_pre pre = {sc, sh, KK_ACT_SNAKE, 0.0f, al};
    kk_conv_fft p;
    CHECK(kk_conv_fft_init(&p, C, C, k, N) == 0);
    float *spec = malloc(sizeof(float) * kk_conv_fft_spectra_floats(&p));
    kk_conv_fft_spectra(&p, W, spec, 3);
    size_t n = (size_t)C * L;
    float *y0 = rnd(n), *ref = malloc(sizeof(float) * n), *y1 = malloc(sizeof(float) * n);
    float *y3 = malloc(sizeof(float) * n);
    memcpy(ref, y0, sizeof(float) * n);
    kk_buf xb = kk_buf_f32(x, C, L), rb = kk_buf_f32(ref, C, L);
    float *s = malloc(sizeof(float) * kk_conv1d_buf_scratch(C, C, L, k, 1, d * (k - 1) / 2, d, 2));
    kk_conv1d_buf(&xb, &pre, W, b, C, k, 1, d * (k - 1) / 2, d, &rb, acc, s, 2);
    free(s);
    void *pm = packed ? malloc(kk_buf_packed_bytes(C, L)) : NULL;
    double mag = 0.0;
    for (size_t i = 0; i < n; i++)
        mag = fmax(mag, fabs(ref[i]));
    float *outs[2] = {y1, y3};
    int threads[2] = {1, 3};
    double *mom[2] = {malloc(sizeof(double) * 2 * C), malloc(sizeof(double) * 2 * C)};
    for (int r = 0; r < 2; r++) {
        memcpy(outs[r], y0, sizeof(float) * n);
        kk_buf yb = kk_buf_f32(outs[r], C, L);
        if (packed) {
            yb = kk_buf_packed(pm, C, L);
            for (int c = 0; c < C; c++)
                kk_buf_write(&yb, c, 0, L, y0 + (size_t)c * L);
        }
        s = malloc(sizeof(float) * kk_conv1d_fft_scratch(&p, L, d, threads[r]));
        kk_conv1d_fft(&p, spec, &xb, &pre, b, d, &yb, acc, s, threads[r], mom[r]);
        free(s);
        if (packed)
            for (int c = 0; c < C; c++)
                kk_buf_read(&yb, c, 0, L, outs[r] + (size_t)c * L);
    }
    double err = maxdiff(y1, ref, n), bound = packed ? 1e-4 : 1e-5;
    CHECK_MSG(err <= bound * mag, "fft conv C %d L %d k %d d %d N %d packed %d acc %d: %g x max",
              C, L, k, d, N, packed, acc, err / mag);
    CHECK_MSG(memcmp(y1, y3, sizeof(float) * n) == 0, "fft conv C %d L %d k %d d %d: 1 vs 3 threads",
              C, L, k, d);
    check_moments(mom[0], y1, C, L, "fft conv");
    CHECK(memcmp(mom[0], mom[1], sizeof(double) * 2 * C) == 0);
    free(mom[0]), free(mom[1]);
    free(pm);
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(spec);
    free(y0), free(ref), free(y1), free(y3);
    kk_conv_fft_free(&p);
}

/* The FFT convolution's vector block moves (16x16 transposes at dilation 1, overlapping copies
 * at other dilations) against the scalar strided moves, bit for bit: block counts around
 * multiples of 16, dilations 1-6 and one past the vector path, FFT lengths 8 to 128, z rows in
 * the bit-reversed order the FFT uses. The buffers carry the 16 floats of slack the moves need. */
static void test_block_moves(void)
{
    int bad = 0;
    for (int N = 8; N <= 128; N *= 2)
        for (int d = 1; d <= 17; d += (d == 6 ? 11 : 1))
            for (int nrows = 1; nrows <= 40; nrows += 3) {
                int k = N > 11 ? 11 : 5, m = N - k + 1, M = N / 2, nb = nrows * d, bits = 0;
                size_t len = (size_t)(nrows * m + k - 1) * d + 16, nz = (size_t)N * nb + 16;
                float *row = rnd(len), *z = calloc(nz, sizeof(float)), *z2 = calloc(nz, sizeof(float));
                float *o = calloc((size_t)nrows * m * d + 16, sizeof(float));
                float *o2 = calloc((size_t)nrows * m * d + 16, sizeof(float));
                int zrow[128], zinv[128], nat[128];
                while ((1 << bits) < M)
                    bits++;
                for (int n = 0; n < N; n++) {
                    int h = n >> 1, r = 0;
                    for (int b = 0; b < bits; b++)
                        r |= ((h >> b) & 1) << (bits - 1 - b);
                    zrow[n] = (n & 1) * M + r;
                    zinv[zrow[n]] = n;
                    nat[n] = (n & 1) * M + (n >> 1);
                }
                kk_gather_blocks(z, zrow, zinv, (size_t)nb, row, nrows, m, d, N);
                for (int n = 0; n < N; n++)
                    kk_gather_strided(z2 + (size_t)zrow[n] * nb, row + (size_t)n * d, nrows, m * d, d);
                bad += memcmp(z, z2, sizeof(float) * (size_t)N * nb) != 0;
                kk_scatter_blocks(o, z, nat, (size_t)nb, nrows, m, d);
                for (int j = 0; j < m; j++)
                    kk_scatter_add_strided(o2 + (size_t)j * d, z + (size_t)nat[j] * nb, nrows,
                                           m * d, d);
                bad += memcmp(o, o2, sizeof(float) * (size_t)nrows * m * d) != 0;
                free(row), free(z), free(z2), free(o), free(o2);
            }
    CHECK_MSG(bad == 0, "block moves: %d cases differ from the strided reference", bad);
}

/* Spectra: every packed plane against its definition in double (bin f of W's taps, scaled by
 * 1/(2N), conv_fft.h's order), then packed; the same bits from 1 and 3 threads (load makes them
 * with one, calls with many). out is not a multiple of the panel height, so padded rows are
 * covered. */
static void fft_spectra_case(int out, int in, int k, int N)
{
    kk_conv_fft p;
    CHECK(kk_conv_fft_init(&p, out, in, k, N) == 0);
    float *W = rnd((size_t)out * in * k);
    size_t nf = kk_conv_fft_spectra_floats(&p);
    size_t pf = kk_gemm_packed_floats(out, in);
    int planes = (int)(nf / pf), M = N / 2;
    CHECK(planes == 3 * N / 2 - 1);
    float *s1 = malloc(sizeof(float) * nf), *s3 = malloc(sizeof(float) * nf);
    float *plain = malloc(sizeof(float) * (size_t)out * in), *ref = malloc(sizeof(float) * pf);
    kk_conv_fft_spectra(&p, W, s1, 1);
    kk_conv_fft_spectra(&p, W, s3, 3);
    CHECK_MSG(memcmp(s1, s3, sizeof(float) * nf) == 0, "spectra %dx%d k %d: 1 vs 3 threads", out,
              in, k);
    double worst = 0.0;
    for (int pl = 0; pl < planes; pl++) {
        /* bin 0, bin N/2, (Re, Im) of bins 1 .. N/2-1, then Re + Im of bins 1 .. N/2-1 */
        int f = pl == 0 ? 0 : pl == 1 ? M : pl < N ? 1 + (pl - 2) / 2 : 1 + pl - N;
        double wc = pl < N && (pl < 2 || pl % 2 == 0) ? 1.0 : (pl < N ? 0.0 : 1.0);
        double ws = pl >= N || (pl >= 2 && pl % 2 == 1) ? 1.0 : 0.0;
        double mag = 0.0;
        for (size_t e = 0; e < (size_t)out * in; e++) {
            double acc = 0.0;
            for (int q = 0; q < k; q++) {
                double ph = 2.0 * M_PI * f * q / N;
                acc += (wc * cos(ph) + ws * sin(ph)) / (2.0 * N) * W[e * k + q];
            }
            plain[e] = (float)acc;
            mag = fmax(mag, fabs(acc));
        }
        kk_gemm_pack(plain, in, out, in, ref);
        for (size_t e = 0; e < pf; e++)
            worst = fmax(worst, fabs(ref[e] - s1[(size_t)pl * pf + e]) / (mag > 0 ? mag : 1.0));
    }
    /* k float32 multiply-adds of terms up to the plane's max: a few ulps */
    CHECK_MSG(worst < 1e-6, "spectra %dx%d k %d: %g x the plane's max", out, in, k, worst);
    free(W), free(s1), free(s3), free(plain), free(ref);
    kk_conv_fft_free(&p);
}

static void test_conv_fft(void)
{
    CHECK(kk_conv_fft_cost(11, 32) < 2.14 && kk_conv_fft_cost(11, 32) > 2.13);
    kk_conv_fft p;
    CHECK(kk_conv_fft_init(&p, 4, 4, 4, 32) != 0);  /* even kernel */
    CHECK(kk_conv_fft_init(&p, 4, 4, 33, 32) != 0); /* longer than the block */
    fft_conv_case(8, 5, 7, 1, 16, 0, 0);             /* shorter than one block */
    fft_conv_case(16, 300, 11, 5, 32, 0, 1);
    fft_conv_case(16, 301, 7, 3, 32, 1, 1);
    fft_conv_case(12, 97, 3, 1, 8, 0, 0);
    fft_conv_case(32, 6000, 11, 3, 32, 0, 0);       /* many units: whole units per worker */
    fft_conv_case(8, 2000, 5, 2, 16, 1, 0);
    fft_conv_case(24, 4000, 7, 1, 32, 0, 1);        /* dilation 1: 16-block transposes */
    fft_conv_case(16, 3000, 11, 1, 64, 0, 1);       /* N = 64, as 128-channel k = 11 layers */
    fft_conv_case(16, 2500, 11, 5, 64, 1, 0);
    fft_spectra_case(20, 12, 7, 32);
    fft_spectra_case(40, 33, 11, 32);
    fft_spectra_case(3, 5, 3, 8);
}

/* Winograd F(m, 3) against the direct path (kk_conv1d_buf, im2col + SGEMM). Bound: 4e-6 x the
 * output's max at m = 2 and 4, 1e-5 at m = 6 (its larger transform entries, see conv_wino.h;
 * measured up to 6e-7 and 9e-7 on these cases); 1e-4 where y is packed (its own 2^-16 rounding). */
static void wino_conv_case(int in, int out, int L, int d, int m, int packed, int acc)
{
    float *x = rnd((size_t)in * L), *W = rnd((size_t)out * in * 3), *b = rnd(out);
    float *sc = rnd(in), *sh = rnd(in), *al = rnd(in);
    for (int c = 0; c < in; c++)
        al[c] = 0.5f + fabsf(al[c]);
    kk_pre pre = {sc, sh, KK_ACT_SNAKE, 0.0f, al};
    kk_conv_wino p;
    CHECK(kk_conv_wino_init(&p, out, in, m) == 0);
    float *U = malloc(sizeof(float) * kk_conv_wino_packed_floats(&p));
    kk_conv_wino_filters(&p, W, U, 2);
    /* the same filters from W's taps as kk_conv1d_pack packs them (the decoder's layers) */
    size_t nu = kk_conv_wino_packed_floats(&p);
    float *taps = malloc(sizeof(float) * kk_conv1d_packed_floats(out, in, 3));
    float *U2 = malloc(sizeof(float) * nu);
    CHECK(kk_conv1d_pack(W, out, in, 3, taps));
    kk_conv_wino_filters_packed(&p, taps, U2, 3);
    CHECK_MSG(memcmp(U, U2, sizeof(float) * nu) == 0, "wino filters from packed taps, in %d out %d",
              in, out);
    free(taps), free(U2);
    size_t n = (size_t)out * L;
    float *y0 = rnd(n), *ref = malloc(sizeof(float) * n), *y1 = malloc(sizeof(float) * n);
    float *y3 = malloc(sizeof(float) * n);
    memcpy(ref, y0, sizeof(float) * n);
    kk_buf xb = kk_buf_f32(x, in, L), rb = kk_buf_f32(ref, out, L);
    float *s = malloc(sizeof(float) * kk_conv1d_buf_scratch(in, out, L, 3, 1, d, d, 2));
    kk_conv1d_buf(&xb, &pre, W, b, out, 3, 1, d, d, &rb, acc, s, 2);
    free(s);
    void *pm = packed ? malloc(kk_buf_packed_bytes(out, L)) : NULL;
    double mag = 0.0;
    for (size_t i = 0; i < n; i++)
        mag = fmax(mag, fabs(ref[i]));
    float *outs[2] = {y1, y3};
    int threads[2] = {1, 3};
    double *mom[2] = {malloc(sizeof(double) * 2 * out), malloc(sizeof(double) * 2 * out)};
    for (int r = 0; r < 2; r++) {
        memcpy(outs[r], y0, sizeof(float) * n);
        kk_buf yb = kk_buf_f32(outs[r], out, L);
        if (packed) {
            yb = kk_buf_packed(pm, out, L);
            for (int c = 0; c < out; c++)
                kk_buf_write(&yb, c, 0, L, y0 + (size_t)c * L);
        }
        s = malloc(sizeof(float) * kk_conv1d_wino_scratch(&p, L, d, threads[r]));
        kk_conv1d_wino(&p, U, &xb, &pre, b, d, &yb, acc, s, threads[r], mom[r]);
        free(s);
        if (packed)
            for (int c = 0; c < out; c++)
                kk_buf_read(&yb, c, 0, L, outs[r] + (size_t)c * L);
    }
    double err = maxdiff(y1, ref, n), bound = packed ? 1e-4 : (m == 6 ? 1e-5 : 4e-6);
    CHECK_MSG(err <= bound * mag, "wino conv in %d out %d L %d d %d m %d packed %d acc %d: %g x max",
              in, out, L, d, m, packed, acc, err / mag);
    CHECK_MSG(memcmp(y1, y3, sizeof(float) * n) == 0, "wino conv L %d d %d m %d: 1 vs 3 threads",
              L, d, m);
    check_moments(mom[0], y1, out, L, "wino conv");
    CHECK(memcmp(mom[0], mom[1], sizeof(double) * 2 * out) == 0);
    free(mom[0]), free(mom[1]);
    /* columns [t0, t0 + w) alone, added to the bias, match the whole-layer result */
    if (!acc && !packed && L > 8) {
        long t0 = L / 3;
        int w = L - (int)t0 - 2;
        float *yc = malloc(sizeof(float) * (size_t)out * w);
        for (int o = 0; o < out; o++)
            for (int t = 0; t < w; t++)
                yc[(size_t)o * w + t] = b[o];
        s = malloc(sizeof(float) * kk_conv1d_wino_cols_scratch(&p, w, d));
        kk_conv1d_wino_cols(&p, U, &xb, &pre, d, t0, w, yc, (size_t)w, s);
        free(s);
        double ec = 0.0;
        for (int o = 0; o < out; o++)
            ec = fmax(ec, maxdiff(yc + (size_t)o * w, ref + (size_t)o * L + t0, (size_t)w));
        CHECK_MSG(ec <= bound * mag, "wino cols in %d out %d L %d d %d m %d: %g x max", in, out,
                  L, d, m, ec / mag);
        free(yc);
    }
    free(pm);
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(U);
    free(y0), free(ref), free(y1), free(y3);
}

static void test_conv_wino(void)
{
    kk_conv_wino p;
    CHECK(kk_conv_wino_init(&p, 4, 4, 5) != 0); /* unsupported tile */
    CHECK(kk_conv_wino_init(&p, 4, 4, 4) == 0);
    /* B^T is exact in float32: integer entries */
    for (int i = 0; i < p.n; i++)
        for (int s = 0; s < p.n; s++)
            CHECK(p.BT[i][s] == nearbyintf(p.BT[i][s]));
    CHECK(kk_conv_wino_cost(4) == 1.5);
    wino_conv_case(8, 8, 5, 1, 4, 0, 0);       /* shorter than one tile */
    wino_conv_case(8, 8, 2, 5, 4, 0, 1);       /* shorter than the dilation */
    wino_conv_case(12, 12, 97, 1, 2, 0, 1);
    wino_conv_case(16, 24, 300, 5, 4, 0, 1);   /* in != out, dilated, residual accumulate */
    wino_conv_case(16, 16, 301, 3, 6, 1, 1);   /* packed output, tail */
    wino_conv_case(32, 32, 6001, 3, 4, 0, 0);  /* many units: whole units per worker */
    wino_conv_case(64, 64, 2003, 5, 6, 0, 0);
    wino_conv_case(20, 13, 777, 2, 4, 1, 0);   /* out not a multiple of the panel rows */
    wino_conv_case(24, 24, 3001, 1, 4, 0, 1);  /* dilation 1: shuffled chunks and a tail */
    wino_conv_case(16, 16, 2050, 1, 4, 1, 0);
}

int main(void)
{
    test_linear();
    test_conv1d();
    test_rfft();
    test_block_moves();
    test_conv_fft();
    test_conv_wino();
    test_conv_transpose();
    test_lstm();
    test_norms();
    test_activations();
    test_stft();
    test_packed();
    test_arena();
    test_scratch_cache();
    return HARNESS_RETURN();
}
