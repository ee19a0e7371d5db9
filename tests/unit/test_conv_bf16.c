/* The bf16 convolutions against their float32 twins: kk_conv1d_buf_bf16 (direct, several row
 * groups and dilations), kk_conv1d_cols_bf16 and kk_conv1d_fft_bf16. Where the CPU has a bf16
 * kernel each must stay within 1e-2 x max|float32 result| (bf16 operands round by 2^-9 each; the
 * sums stay float32), differ from float32 (so the bf16 path really ran) and give the same bits for
 * 1 and 3 threads. Without a kernel (or KOKORO_GEMM_BF16=off), and for shapes bf16 leaves alone
 * (1x1), the result must be the float32 one bit for bit, so this test runs on any CPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/conv_fft.h"
#include "nn/nn.h"

static unsigned seed = 99;
static float *rnd(size_t n)
{
    float *p = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / (float)(1u << 24) - 0.5f;
    }
    return p;
}

static double maxabs(const float *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

static double maxdiff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

/* float32 reference ref, bf16 results at 1 and 3 threads */
static void judge(const char *what, const float *ref, const float *y1, const float *y3, size_t n,
                  int bf16_applies)
{
    double mag = maxabs(ref, n), err = maxdiff(ref, y1, n);
    if (kk_gemm_bf16_native() && bf16_applies) {
        CHECK_MSG(err <= 1e-2 * mag, "%s: bf16 off by %g x max", what, err / mag);
        CHECK_MSG(err > 0.0, "%s: bf16 identical to float32", what);
    } else {
        CHECK_MSG(err == 0.0, "%s: float32 path differs by %g", what, err);
    }
    if (y3)
        CHECK_MSG(memcmp(y1, y3, sizeof(float) * n) == 0, "%s: 1 vs 3 threads differ", what);
    printf("%s: %g x max\n", what, err / mag);
}

static void direct_case(int in, int out, int L, int k, int d, int acc)
{
    float *x = rnd((size_t)in * L), *W = rnd((size_t)out * in * k), *b = rnd(out);
    float *sc = rnd(in), *sh = rnd(in);
    kk_pre pre = {sc, sh, KK_ACT_LEAKY, 0.2f, NULL};
    size_t n = (size_t)out * L;
    float *y0 = rnd(n), *ref = malloc(sizeof(float) * n), *y1 = malloc(sizeof(float) * n),
          *y3 = malloc(sizeof(float) * n);
    int pad = d * (k - 1) / 2;
    memcpy(ref, y0, sizeof(float) * n);
    float *s = malloc(sizeof(float) * kk_conv1d_buf_scratch(in, out, L, k, 1, pad, d, 2));
    kk_conv1d(x, in, L, &pre, W, b, out, k, 1, pad, d, ref, acc, s, 2);
    free(s);
    float *outs[2] = {y1, y3};
    for (int r = 0; r < 2; r++) {
        int t = r ? 3 : 1;
        memcpy(outs[r], y0, sizeof(float) * n);
        s = malloc(sizeof(float) * kk_conv1d_buf_bf16_scratch(in, out, L, k, 1, pad, d, t));
        kk_conv1d_bf16(x, in, L, &pre, W, b, out, k, 1, pad, d, outs[r], acc, s, t);
        free(s);
    }
    char what[96];
    snprintf(what, sizeof what, "direct in %d out %d L %d k %d d %d acc %d", in, out, L, k, d, acc);
    judge(what, ref, y1, y3, n, k > 1);

    /* the same product by columns, as the compact stages' recomputation runs it */
    if (in == out && kk_gemm_bf16_native()) {
        float *Wk = malloc(sizeof(float) * (size_t)out * in * k);
        kk_conv1d_rearrange(W, out, in, k, Wk);
        size_t plane = kk_gemm_bf16_packed_elems(out, in);
        kk_bf16 *W16 = malloc(sizeof(kk_bf16) * plane * k);
        for (int q = 0; q < k; q++)
            kk_gemm_bf16_pack(Wk + (size_t)q * out * in, in, out, in, W16 + (size_t)q * plane);
        kk_buf xb = kk_buf_f32(x, in, L);
        int n0 = L / 3, n1 = L - n0;
        float *yc = malloc(sizeof(float) * n), *yf = malloc(sizeof(float) * n);
        s = malloc(sizeof(float) * kk_conv1d_cols_scratch(in, n1, k, d));
        memset(yc, 0, sizeof(float) * n);
        memset(yf, 0, sizeof(float) * n);
        kk_conv1d_cols(&xb, &pre, Wk, out, k, pad, d, 0, n0, yf, (size_t)L, s);
        kk_conv1d_cols(&xb, &pre, Wk, out, k, pad, d, n0, n1, yf + n0, (size_t)L, s);
        kk_conv1d_cols_bf16(&xb, &pre, W16, out, k, pad, d, 0, n0, yc, (size_t)L, s);
        kk_conv1d_cols_bf16(&xb, &pre, W16, out, k, pad, d, n0, n1, yc + n0, (size_t)L, s);
        snprintf(what, sizeof what, "cols in %d L %d k %d d %d", in, L, k, d);
        judge(what, yf, yc, NULL, n, 1);
        free(Wk), free(W16), free(yc), free(yf), free(s);
    }
    free(x), free(W), free(b), free(sc), free(sh), free(y0), free(ref), free(y1), free(y3);
}

static void fft_case(int C, int L, int k, int d)
{
    float *x = rnd((size_t)C * L), *W = rnd((size_t)C * C * k), *b = rnd(C);
    float *sc = rnd(C), *sh = rnd(C), *al = rnd(C);
    for (int c = 0; c < C; c++)
        al[c] = 0.5f + fabsf(al[c]);
    kk_pre pre = {sc, sh, KK_ACT_SNAKE, 0.0f, al};
    kk_conv_fft p;
    CHECK(kk_conv_fft_init(&p, C, C, k, 32) == 0);
    float *spec = malloc(sizeof(float) * kk_conv_fft_spectra_floats(&p));
    kk_conv_fft_spectra(&p, W, spec, 2);
    kk_bf16 *spec16 = malloc(sizeof(kk_bf16) * (kk_conv_fft_bf16_elems(&p) + 1));
    float *tmp = malloc(sizeof(float) * kk_conv_fft_bf16_scratch(&p));
    kk_conv_fft_spectra_bf16(&p, W, spec16, tmp, 3);
    size_t n = (size_t)C * L;
    float *ref = malloc(sizeof(float) * n), *y1 = malloc(sizeof(float) * n),
          *y3 = malloc(sizeof(float) * n);
    kk_buf xb = kk_buf_f32(x, C, L);
    float *outs[3] = {ref, y1, y3};
    for (int r = 0; r < 3; r++) {
        int t = r == 2 ? 3 : 1;
        kk_buf yb = kk_buf_f32(outs[r], C, L);
        float *s = malloc(sizeof(float) * kk_conv1d_fft_scratch(&p, L, d, t));
        if (r == 0)
            kk_conv1d_fft(&p, spec, &xb, &pre, b, d, &yb, 0, s, t, NULL);
        else if (kk_gemm_bf16_native())
            kk_conv1d_fft_bf16(&p, spec16, &xb, &pre, b, d, &yb, 0, s, t);
        else /* what the engine does without a kernel */
            kk_conv1d_fft(&p, spec, &xb, &pre, b, d, &yb, 0, s, t, NULL);
        free(s);
    }
    char what[96];
    snprintf(what, sizeof what, "fft C %d L %d k %d d %d", C, L, k, d);
    judge(what, ref, y1, y3, n, 1);
    free(x), free(W), free(b), free(sc), free(sh), free(al), free(spec), free(spec16), free(tmp);
    free(ref), free(y1), free(y3);
    kk_conv_fft_free(&p);
}

int main(void)
{
    printf("bf16 kernel: %s\n", kk_gemm_bf16_native() ? "native" : "none (float32 fallback)");
    direct_case(128, 128, 300, 3, 1, 0); /* several row groups */
    direct_case(128, 128, 257, 3, 5, 1);
    direct_case(40, 24, 70, 3, 3, 1);
    direct_case(16, 16, 2000, 3, 1, 0); /* several column blocks */
    direct_case(24, 20, 50, 1, 1, 0);   /* pointwise: float32 either way */
    fft_case(32, 700, 11, 3);
    fft_case(48, 301, 7, 1);
    return HARNESS_RETURN();
}
