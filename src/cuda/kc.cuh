// Internal header of the CUDA backend: the per-call context, the device arena and the operations
// (each queued on the call's stream, device pointers in and out, no host synchronisation).
#ifndef KOKORO_CUDA_KC_CUH
#define KOKORO_CUDA_KC_CUH
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kokoro.h"

// A bump allocator over device blocks that stay allocated between calls: after the first calls
// of a given size no forward pass calls cudaMalloc. Release to a mark is stream-ordered, so memory
// a finished kernel read can be handed to the next kernel of the same stream at once.
struct kc_arena {
    struct block {
        char *p;
        size_t size, used;
    };
    std::vector<block> blocks;
    size_t cur = 0;
    size_t in_use = 0, peak = 0;
};
struct kc_mark {
    size_t block, used, in_use;
};

struct kc_ctx {
    cudaStream_t s = nullptr;
    cublasHandle_t blas = nullptr;
    kc_arena *arena = nullptr;
    kokoro_status code = KOKORO_OK; // first failure; later operations are skipped
    char msg[256] = "";
};

bool kc_fail(kc_ctx *c, kokoro_status code, const char *what, const char *detail);
bool kc_check(kc_ctx *c, cudaError_t e, const char *what);
bool kc_check_blas(kc_ctx *c, cublasStatus_t e, const char *what);
inline bool kc_ok(const kc_ctx *c) { return c->code == KOKORO_OK; }

float *kc_alloc(kc_ctx *c, size_t n_floats);
kc_mark kc_mark_get(const kc_ctx *c);
void kc_release(kc_ctx *c, kc_mark m);
void kc_arena_free(kc_arena *a);

// Per-channel input transform as nn.h's kk_pre, with device pointers.
enum { KC_ACT_NONE = 0, KC_ACT_LEAKY = 1, KC_ACT_SNAKE = 2 };
struct kc_pre {
    const float *scale = nullptr, *shift = nullptr;
    int act = KC_ACT_NONE;
    float slope = 0.0f;
    const float *alpha = nullptr;
};

// Device copy of an LSTM's weights (bias = b_ih + b_hh, summed at upload).
struct kc_lstm {
    const float *w_ih[2], *w_hh[2], *bias[2];
    int in, hidden;
};

void kc_fill(kc_ctx *c, float *y, size_t n, float v);
void kc_copy(kc_ctx *c, float *dst, const float *src, size_t n);
// y[n][out] = x[n][in] W[out][in]^T + b
void kc_linear(kc_ctx *c, const float *x, int n, int in, const float *W, const float *b, int out,
               float *y);
void kc_layernorm_rows(kc_ctx *c, const float *x, int n, int C, const float *g, const float *b,
                       float eps, float *y);
// LayerNorm over channels of channel-major x[C][L] at each step, then LeakyReLU(slope) if slope != 1.
void kc_layernorm_channels(kc_ctx *c, const float *x, int C, int L, const float *g,
                           const float *b, float eps, float slope, float *y);
void kc_gelu(kc_ctx *c, float *x, size_t n);
void kc_add(kc_ctx *c, float *y, const float *x, size_t n);
void kc_scale(kc_ctx *c, float *y, size_t n, float a);
// y[C][R] = x[R][C]
void kc_transpose(kc_ctx *c, const float *x, int R, int C, float *y);
void kc_apply_pre(kc_ctx *c, const float *x, int C, int L, const kc_pre *pre, float *y);
void kc_conv1d(kc_ctx *c, const float *x, int in, int L, const kc_pre *pre, const float *W,
               const float *b, int out, int k, int stride, int pad, int dil, float *y,
               int accumulate);
int kc_conv1d_len(int L, int k, int stride, int pad, int dil);
void kc_conv_transpose1d(kc_ctx *c, const float *x, int in, int L, const kc_pre *pre,
                         const float *W, const float *b, int out, int k, int stride, int pad,
                         int outpad, float *y);
void kc_conv_transpose1d_depthwise(kc_ctx *c, const float *x, int C, int L, const kc_pre *pre,
                                   const float *W, const float *b, int k, int stride, int pad,
                                   int outpad, float *y);
int kc_conv_transpose1d_len(int L, int k, int stride, int pad, int outpad);
void kc_bilstm(kc_ctx *c, const kc_lstm *w, const float *x, int T, float *y);
// AdaIN folded to scale/shift per channel from x[C][L] and gb = fc(style) = [gamma | beta].
void kc_adain_coeffs(kc_ctx *c, const float *x, int C, int L, const float *gb,
                     const float *norm_w, const float *norm_b, float *scale, float *shift);
void kc_stft(kc_ctx *c, const float *x, int L, int n_fft, int hop, float *mag, float *phase);
// torch.istft of mag = exp(post[0:nb]), phase = sin(post[nb:2nb]) (post [2nb][N]) -> y[hop(N-1)]
void kc_istft_post(kc_ctx *c, const float *post, int N, int n_fft, int hop, float *y);
// Harmonic source: F0[nF0] at frame rate, `up` samples per value -> src[nF0*up].
void kc_harmonic_source(kc_ctx *c, const float *F0, int nF0, int up, int H, const float *lw,
                        const float *lb, int zero_noise, uint64_t seed, float *src);
#endif
