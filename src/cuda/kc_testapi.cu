// Host-buffer entry points to single operations, for the GPU-vs-CPU operation tests
// (tests/gpu/test_cuda_ops.c): each uploads its inputs, runs the operation on a stream of its own
// and downloads the result.
#include <cstdio>
#include <vector>

#include "cuda/kc.cuh"
#include "cuda/kokoro_cuda_test.h"

namespace {

struct session {
    kc_ctx c;
    kc_arena arena;
    std::vector<float *> bufs;
    char *msg;
    size_t cap;

    session(char *m, size_t n) : msg(m), cap(n)
    {
        c.arena = &arena;
        if (!kc_check(&c, cudaStreamCreate(&c.s), "stream"))
            return;
        if (kc_check_blas(&c, cublasCreate(&c.blas), "cuBLAS"))
            kc_check_blas(&c, cublasSetStream(c.blas, c.s), "cuBLAS stream");
        if (kc_ok(&c))
            kc_check_blas(&c, cublasSetMathMode(c.blas, CUBLAS_DEFAULT_MATH), "cuBLAS math mode");
    }
    ~session()
    {
        for (float *p : bufs)
            cudaFree(p);
        kc_arena_free(&arena);
        if (c.blas)
            cublasDestroy(c.blas);
        if (c.s)
            cudaStreamDestroy(c.s);
    }
    float *up(const float *h, size_t n)
    {
        if (!h || !kc_ok(&c))
            return nullptr;
        float *d = nullptr;
        if (!kc_check(&c, cudaMalloc((void **)&d, (n ? n : 1) * sizeof(float)), "cudaMalloc"))
            return nullptr;
        bufs.push_back(d);
        kc_check(&c, cudaMemcpy(d, h, n * sizeof(float), cudaMemcpyHostToDevice), "upload");
        return d;
    }
    float *zeros(size_t n)
    {
        std::vector<float> z(n ? n : 1, 0.0f);
        return up(z.data(), n);
    }
    kc_pre pre(const kk_pre *p, int C)
    {
        kc_pre d;
        if (!p)
            return d;
        d.scale = up(p->scale, (size_t)C);
        d.shift = up(p->shift, (size_t)C);
        d.act = p->act == KK_ACT_LEAKY ? KC_ACT_LEAKY : p->act == KK_ACT_SNAKE ? KC_ACT_SNAKE : KC_ACT_NONE;
        d.slope = p->slope;
        d.alpha = up(p->alpha, (size_t)C);
        return d;
    }
    int finish(float *h, const float *d, size_t n)
    {
        if (kc_ok(&c))
            kc_check(&c, cudaStreamSynchronize(c.s), "operation");
        if (kc_ok(&c) && n)
            kc_check(&c, cudaMemcpy(h, d, n * sizeof(float), cudaMemcpyDeviceToHost), "download");
        if (kc_ok(&c))
            return 0;
        std::snprintf(msg, cap, "%s", c.msg);
        return -1;
    }
};

} // namespace

extern "C" int kk_cuda_test_linear(const float *x, int n, int in, const float *W, const float *b,
                                   int out, float *y, char *msg, size_t cap)
{
    session s(msg, cap);
    float *dy = s.zeros((size_t)n * out);
    kc_linear(&s.c, s.up(x, (size_t)n * in), n, in, s.up(W, (size_t)in * out), s.up(b, (size_t)out),
              out, dy);
    return s.finish(y, dy, (size_t)n * out);
}

extern "C" int kk_cuda_test_layernorm_rows(const float *x, int n, int C, const float *g,
                                           const float *b, float eps, float *y, char *msg,
                                           size_t cap)
{
    session s(msg, cap);
    float *dy = s.zeros((size_t)n * C);
    kc_layernorm_rows(&s.c, s.up(x, (size_t)n * C), n, C, s.up(g, (size_t)C), s.up(b, (size_t)C),
                      eps, dy);
    return s.finish(y, dy, (size_t)n * C);
}

extern "C" int kk_cuda_test_conv1d(const float *x, int in, int L, const kk_pre *pre,
                                   const float *W, const float *b, int out, int k, int stride,
                                   int pad, int dil, float *y, int accumulate, char *msg,
                                   size_t cap)
{
    session s(msg, cap);
    int Lout = kc_conv1d_len(L, k, stride, pad, dil);
    float *dy = s.up(y, (size_t)out * Lout); // y's contents matter when accumulating
    kc_pre p = s.pre(pre, in);
    kc_conv1d(&s.c, s.up(x, (size_t)in * L), in, L, pre ? &p : nullptr,
              s.up(W, (size_t)out * in * k), s.up(b, (size_t)out), out, k, stride, pad, dil, dy,
              accumulate);
    return s.finish(y, dy, (size_t)out * Lout);
}

extern "C" int kk_cuda_test_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre,
                                             const float *W, const float *b, int out, int k,
                                             int stride, int pad, int outpad, float *y, char *msg,
                                             size_t cap)
{
    session s(msg, cap);
    int Lout = kc_conv_transpose1d_len(L, k, stride, pad, outpad);
    float *dy = s.zeros((size_t)out * Lout);
    kc_pre p = s.pre(pre, in);
    kc_conv_transpose1d(&s.c, s.up(x, (size_t)in * L), in, L, pre ? &p : nullptr,
                        s.up(W, (size_t)in * out * k), s.up(b, (size_t)out), out, k, stride, pad,
                        outpad, dy);
    return s.finish(y, dy, (size_t)out * Lout);
}

extern "C" int kk_cuda_test_conv_transpose1d_depthwise(const float *x, int C, int L,
                                                       const kk_pre *pre, const float *W,
                                                       const float *b, int k, int stride, int pad,
                                                       int outpad, float *y, char *msg, size_t cap)
{
    session s(msg, cap);
    int Lout = kc_conv_transpose1d_len(L, k, stride, pad, outpad);
    float *dy = s.zeros((size_t)C * Lout);
    kc_pre p = s.pre(pre, C);
    kc_conv_transpose1d_depthwise(&s.c, s.up(x, (size_t)C * L), C, L, pre ? &p : nullptr,
                                  s.up(W, (size_t)C * k), s.up(b, (size_t)C), k, stride, pad,
                                  outpad, dy);
    return s.finish(y, dy, (size_t)C * Lout);
}

extern "C" int kk_cuda_test_bilstm(const kk_lstm_weights *w, const float *x, int T, float *y,
                                   char *msg, size_t cap)
{
    session s(msg, cap);
    int H = w->hidden;
    kc_lstm d;
    d.in = w->in;
    d.hidden = H;
    for (int dir = 0; dir < 2; dir++) {
        std::vector<float> bias(4 * (size_t)H);
        for (size_t j = 0; j < bias.size(); j++)
            bias[j] = w->b_ih[dir][j] + w->b_hh[dir][j];
        d.w_ih[dir] = s.up(w->w_ih[dir], (size_t)4 * H * w->in);
        d.w_hh[dir] = s.up(w->w_hh[dir], (size_t)4 * H * H);
        d.bias[dir] = s.up(bias.data(), bias.size());
    }
    float *dy = s.zeros((size_t)T * 2 * H);
    kc_bilstm(&s.c, &d, s.up(x, (size_t)T * w->in), T, dy);
    return s.finish(y, dy, (size_t)T * 2 * H);
}

extern "C" int kk_cuda_test_adain(const float *x, int C, int L, const float *gb,
                                  const float *norm_w, const float *norm_b, float *scale,
                                  float *shift, char *msg, size_t cap)
{
    session s(msg, cap);
    float *d = s.zeros(2 * (size_t)C);
    kc_adain_coeffs(&s.c, s.up(x, (size_t)C * L), C, L, s.up(gb, 2 * (size_t)C),
                    s.up(norm_w, (size_t)C), s.up(norm_b, (size_t)C), d, d + C);
    int rc = s.finish(scale, d, (size_t)C);
    return rc ? rc : s.finish(shift, d + C, (size_t)C);
}

extern "C" int kk_cuda_test_stft(const float *x, int L, int n_fft, int hop, float *mag,
                                 float *phase, char *msg, size_t cap)
{
    session s(msg, cap);
    size_t n = (size_t)(n_fft / 2 + 1) * (L / hop + 1);
    float *d = s.zeros(2 * n);
    kc_stft(&s.c, s.up(x, (size_t)L), L, n_fft, hop, d, d + n);
    int rc = s.finish(mag, d, n);
    return rc ? rc : s.finish(phase, d + n, n);
}

extern "C" int kk_cuda_test_istft_post(const float *post, int N, int n_fft, int hop, float *y,
                                       char *msg, size_t cap)
{
    session s(msg, cap);
    size_t n = (size_t)hop * (N - 1);
    float *d = s.zeros(n);
    kc_istft_post(&s.c, s.up(post, (size_t)(n_fft + 2) * N), N, n_fft, hop, d);
    return s.finish(y, d, n);
}

extern "C" int kk_cuda_test_harmonic_source(const float *F0, int nF0, int up, int H,
                                            const float *lw, float lb, int zero_noise,
                                            uint64_t seed, float *src, char *msg, size_t cap)
{
    session s(msg, cap);
    size_t n = (size_t)nF0 * up;
    float *d = s.zeros(n);
    kc_harmonic_source(&s.c, s.up(F0, (size_t)nF0), nF0, up, H, s.up(lw, (size_t)H), s.up(&lb, 1),
                       zero_noise, seed, d);
    return s.finish(src, d, n);
}
