/* Single operations of the CUDA backend on host buffers, for tests that compare them with the CPU
 * primitives of nn/nn.h (same arguments and layouts as those). Each returns 0, or -1 with a
 * message. kk_cuda_test_istft_post takes conv_post's output [n_fft+2][N] (log-magnitude rows,
 * then phase rows) as the generator does: magnitude exp(.), phase sin(.). */
#ifndef KOKORO_CUDA_TEST_H
#define KOKORO_CUDA_TEST_H
#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

int kk_cuda_test_linear(const float *x, int n, int in, const float *W, const float *b, int out,
                        float *y, char *msg, size_t cap);
int kk_cuda_test_layernorm_rows(const float *x, int n, int C, const float *g, const float *b,
                                float eps, float *y, char *msg, size_t cap);
int kk_cuda_test_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                        const float *b, int out, int k, int stride, int pad, int dil, float *y,
                        int accumulate, char *msg, size_t cap);
int kk_cuda_test_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre,
                                  const float *W, const float *b, int out, int k, int stride,
                                  int pad, int outpad, float *y, char *msg, size_t cap);
int kk_cuda_test_conv_transpose1d_depthwise(const float *x, int C, int L, const kk_pre *pre,
                                            const float *W, const float *b, int k, int stride,
                                            int pad, int outpad, float *y, char *msg, size_t cap);
int kk_cuda_test_bilstm(const kk_lstm_weights *w, const float *x, int T, float *y, char *msg,
                        size_t cap);
int kk_cuda_test_adain(const float *x, int C, int L, const float *gb, const float *norm_w,
                       const float *norm_b, float *scale, float *shift, char *msg, size_t cap);
int kk_cuda_test_stft(const float *x, int L, int n_fft, int hop, float *mag, float *phase,
                      char *msg, size_t cap);
int kk_cuda_test_istft_post(const float *post, int N, int n_fft, int hop, float *y, char *msg,
                            size_t cap);
/* The generator's harmonic source; the CPU reference is the engine's (same RNG streams). */
int kk_cuda_test_harmonic_source(const float *F0, int nF0, int up, int H, const float *lw,
                                 float lb, int zero_noise, uint64_t seed, float *src, char *msg,
                                 size_t cap);

#ifdef __cplusplus
}
#endif
#endif
