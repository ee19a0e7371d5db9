/*
 * nn — the numeric primitives of the forward pass, over CBLAS.
 *
 * Layouts: convolution tensors are channel-major [C][L] (time is the fastest axis, as in PyTorch);
 * sequence tensors (ALBERT, LSTMs) are token-major [T][C]. Nothing here allocates: callers pass
 * scratch buffers whose sizes the *_scratch functions give, so one forward pass can run entirely
 * inside its own arena and any number of passes can run at once. `threads` is the number of
 * workers a primitive may split its work over (see parallel.h); scratch sizes depend on it.
 */
#ifndef KOKORO_NN_NN_H
#define KOKORO_NN_NN_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/gemm_bf16.h"

/* y[n][out] = x[n][in] . W[out][in]^T + b[out] (b may be NULL). */
void kk_linear(const float *x, int n, int in, const float *W, const float *b, int out, float *y,
               int threads);
/* The same with W packed once by kk_linear_pack (kk_linear_packed_floats(in, out) floats, the
 * nn/gemm.h layout of W as the A operand): y^T = W . x^T on nn/gemm.h, so W is never re-packed
 * per call; rows of W are split over the threads at panel boundaries (same sums for any thread
 * count). scratch: kk_linear_packed_scratch(n, in, out) floats (x^T and y^T). */
size_t kk_linear_packed_floats(int in, int out);
void kk_linear_pack(const float *W, int in, int out, float *packed);
size_t kk_linear_packed_scratch(int n, int in, int out);
void kk_linear_packed(const float *x, int n, int in, const float *packed, const float *b, int out,
                      float *y, float *scratch, int threads);

/* An optional per-channel transform applied to a convolution's input as it is read (so that a
 * norm + activation pass never has to be written out): v = x*scale[c] + shift[c], then
 * KK_ACT_LEAKY: v < 0 ? slope*v : v;  KK_ACT_SNAKE: v + sin(alpha[c]*v)^2 / alpha[c].
 * Zero padding is applied after the transform, as PyTorch pads the transformed tensor. */
typedef enum { KK_ACT_NONE, KK_ACT_LEAKY, KK_ACT_SNAKE } kk_act;
typedef struct {
    const float *scale, *shift; /* NULL: identity */
    kk_act act;
    float slope;                /* KK_ACT_LEAKY */
    const float *alpha;         /* KK_ACT_SNAKE, per channel */
} kk_pre;

/* An activation [C][L] (channel-major) in one of two storages:
 *  - float32 (f32 != NULL);
 *  - packed: each float32 rounded to nearest on its upper 24 bits (sign, exponent, 15 mantissa
 *    bits: relative error <= 2^-16) and kept as a 16-bit high plane hi[C][L] plus an 8-bit low
 *    plane lo[C][L], 3 bytes a value.
 * The generator's stage buffers run at audio-sample rate and several are alive at once; packing
 * them is what keeps a 40-second utterance's peak memory near the weights' own size. The planes
 * make packing and unpacking plain shifts that vectorise. Values are read and written through the
 * functions below, in float32. */
typedef struct {
    float *f32;
    uint16_t *hi;
    uint8_t *lo;
    int C, L;
} kk_buf;

kk_buf kk_buf_f32(float *x, int C, int L);
/* Bytes of packed storage for [C][L]; kk_buf_packed lays the planes out in mem (that many bytes). */
size_t kk_buf_packed_bytes(int C, int L);
kk_buf kk_buf_packed(void *mem, int C, int L);
/* dst[0..n) = a[c][t0..t0+n) */
void kk_buf_read(const kk_buf *a, int c, long t0, int n, float *dst);
/* dst[0..n) = pre(a[c][t0..t0+n)) */
void kk_buf_read_pre(const kk_buf *a, const kk_pre *pre, int c, long t0, int n, float *dst);
/* dst[0..span) = pre(a[c][lo..lo+span)), zero where the index is outside [0, L): the input of a
 * padded convolution (PyTorch pads the transformed tensor). */
void kk_buf_read_pre_padded(const kk_buf *a, const kk_pre *pre, int c, long lo, size_t span,
                            float *dst);
/* a[c][t0..t0+n) = src, or (add) += src */
void kk_buf_write(kk_buf *a, int c, long t0, int n, const float *src);
void kk_buf_add(kk_buf *a, int c, long t0, int n, const float *src);
/* Whole-tensor passes split over the workers (dst and src of one shape):
 * dst = src;  dst = (dst + src) / divisor (divisor 1: a plain sum). */
void kk_buf_copy(kk_buf *dst, const kk_buf *src, int threads);
void kk_buf_sum(kk_buf *dst, const kk_buf *src, float divisor, int threads);

/* Output length of a Conv1d. */
int kk_conv1d_len(int L, int k, int stride, int pad, int dil);
/* Scratch floats kk_conv1d needs for these sizes. */
size_t kk_conv1d_scratch(int in, int out, int L, int k, int stride, int pad, int dil, int threads);
/* y[out][Lout] (+)= conv1d(pre(x[in][L])) with W[out][in][k], bias b (may be NULL).
 * accumulate != 0 adds to the existing contents of y (a fused residual add). pre may be NULL. */
void kk_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W, const float *b,
               int out, int k, int stride, int pad, int dil, float *y, int accumulate,
               float *scratch, int threads);
/* The same over kk_buf tensors, input and output in either storage (x->C inputs, y [out][Lout]);
 * scratch: kk_conv1d_buf_scratch floats. */
size_t kk_conv1d_buf_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                             int threads);
void kk_conv1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b, int out,
                   int k, int stride, int pad, int dil, kk_buf *y, int accumulate, float *scratch,
                   int threads);
/* kk_conv1d_buf with the GEMMs of stride-1, k > 1 convolutions in bf16 with float32 sums
 * (nn/gemm_bf16.h), the weights rounded per call; other shapes, and CPUs without a bf16 kernel,
 * compute exactly as kk_conv1d_buf. Thread-count independent. */
size_t kk_conv1d_buf_bf16_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                                  int threads);
void kk_conv1d_buf_bf16(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                        int out, int k, int stride, int pad, int dil, kk_buf *y, int accumulate,
                        float *scratch, int threads);
/* kk_conv1d the same way (scratch: kk_conv1d_buf_bf16_scratch floats). */
void kk_conv1d_bf16(const float *x, int in, int L, const kk_pre *pre, const float *W,
                    const float *b, int out, int k, int stride, int pad, int dil, float *y,
                    int accumulate, float *scratch, int threads);
/* A stride-1 Conv1d with k > 1 whose weights were packed once (at model load) for nn/gemm.h:
 * kk_conv1d_pack writes the k planes W[:, :, q] ([out][in] each, kk_gemm_pack layout,
 * kk_conv1d_packed_floats(out, in, k) floats in all; malloc'd temporaries, so it can fail:
 * returns 0 then). kk_conv1d_packed computes exactly what kk_conv1d computes with W, without
 * the per-call rearrangement and BLAS packing of W that dominate short inputs, into float32 y;
 * its scratch is kk_conv1d_packed_scratch floats. Its sums run in the same order for any
 * thread count (nn/gemm.h), but in a different order from kk_conv1d's BLAS. */
size_t kk_conv1d_packed_floats(int out, int in, int k);
int kk_conv1d_pack(const float *W, int out, int in, int k, float *packed);
size_t kk_conv1d_packed_scratch(int in, int out, int L, int k, int pad, int dil, int threads);
void kk_conv1d_packed(const float *x, int in, int L, const kk_pre *pre, const float *packed,
                      const float *b, int out, int k, int pad, int dil, float *y, int accumulate,
                      float *scratch, int threads);
/* Output columns [t0, t0+n) of a stride-1 conv1d, on the calling thread, for callers that tile
 * time themselves: y[o*ldy + t] += sum_q Wk[q] . pre(x)[:, t0 + t - pad + q*dil] (y holds the
 * bias or whatever is to be added to). Wk is W rearranged by kk_conv1d_rearrange to [k][out][in];
 * scratch: kk_conv1d_cols_scratch floats. */
void kk_conv1d_rearrange(const float *W, int out, int in, int k, float *Wk);
size_t kk_conv1d_cols_scratch(int in, int n, int k, int dil);
/* kk_conv1d_cols with bf16 GEMMs: Wk16 holds the k planes of Wk, each [out][in] packed by
 * kk_gemm_bf16_pack, kk_gemm_bf16_packed_elems(out, in) values apart. Needs a bf16 kernel. */
void kk_conv1d_cols_bf16(const kk_buf *x, const kk_pre *pre, const kk_bf16 *Wk16, int out, int k,
                         int pad, int dil, long t0, int n, float *y, size_t ldy, float *scratch);
void kk_conv1d_cols(const kk_buf *x, const kk_pre *pre, const float *Wk, int out, int k, int pad,
                    int dil, long t0, int n, float *y, size_t ldy, float *scratch);

/* ConvTranspose1d (groups 1): W[in][out][k]; y[out][Lout], Lout = (L-1)*stride - 2*pad + k + outpad. */
int kk_conv_transpose1d_len(int L, int k, int stride, int pad, int outpad);
size_t kk_conv_transpose1d_scratch(int in, int out, int L, int k, int threads);
void kk_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                         const float *b, int out, int k, int stride, int pad, int outpad, float *y,
                         float *scratch, int threads);
/* The same with x in either storage. */
void kk_conv_transpose1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                             int out, int k, int stride, int pad, int outpad, float *y,
                             float *scratch, int threads);

/* The same (x in either storage) by output phases on weights packed once by kk_tconv_pack
 * (kk_tconv_packed_floats floats): one GEMM per block of columns on nn/gemm.h, each output written
 * once (nn/conv_transpose_phases.c). Output independent of the thread count. scratch:
 * kk_tconv_packed_scratch floats. */
size_t kk_tconv_packed_floats(int in, int out, int k, int stride);
/* Returns 0 when out of memory (it needs a temporary of that many floats). */
int kk_tconv_pack(const float *W, int in, int out, int k, int stride, float *packed);
size_t kk_tconv_packed_scratch(int in, int out, int L, int k, int stride, int pad, int outpad,
                               int threads);
void kk_tconv_packed(const kk_buf *x, const kk_pre *pre, const float *packed, const float *b,
                     int out, int k, int stride, int pad, int outpad, float *y, float *scratch,
                     int threads);

/* Depthwise ConvTranspose1d (groups = channels): W[C][1][k]. pre is applied to x as it is read. */
void kk_conv_transpose1d_depthwise(const float *x, int C, int L, const kk_pre *pre, const float *W,
                                   const float *b, int k, int stride, int pad, int outpad,
                                   float *y, int threads);

/* Bidirectional single-layer LSTM (PyTorch gate order i, f, g, o; h0 = c0 = 0).
 * x[T][in] -> y[T][2H]: forward hidden state in [0, H), reverse in [H, 2H). */
typedef struct {
    const float *w_ih[2], *w_hh[2], *b_ih[2], *b_hh[2]; /* [0] forward, [1] reverse */
    int in, hidden;
} kk_lstm_weights;
size_t kk_bilstm_scratch(int T, int hidden);
void kk_bilstm(const kk_lstm_weights *w, const float *x, int T, float *y, float *scratch,
               int threads);

/* LayerNorm of each row of x[n][C] (biased variance); gamma/beta may be NULL. In place allowed. */
void kk_layernorm_rows(const float *x, int n, int C, const float *gamma, const float *beta,
                       float eps, float *y);

/* Per-channel statistics of x[C][L] as PyTorch's CPU instance norm computes them (double sums):
 * mean[c] and invstd[c] = 1/sqrt(var + eps) with the biased variance. */
void kk_instance_stats(const float *x, int C, int L, float eps, float *mean, float *invstd,
                       int threads);

/* AdaIN folded into one scale/shift per channel: y = (1+gamma)*(IN(x)*w + b) + beta
 * = x*scale + shift. gb = fc(style) = [gamma(C) | beta(C)]; norm_w/norm_b may be NULL (1, 0). */
void kk_adain_coeffs(const float *x, int C, int L, const float *gb, const float *norm_w,
                     const float *norm_b, float *scale, float *shift, int threads);
/* The same two over a kk_buf. */
void kk_instance_stats_buf(const kk_buf *x, float eps, float *mean, float *invstd, int threads);
void kk_adain_coeffs_buf(const kk_buf *x, const float *gb, const float *norm_w,
                         const float *norm_b, float *scale, float *shift, int threads);
/* Moments gathered where a row is produced (the fast convolutions, see conv_fft.h): sums[0] =
 * sum of a[c][t0..t0+n) as stored (packed storage rounds values), sums[1] = sum of squares, in
 * double. stored: the row's values exactly as a float32 row holds them, where the caller still
 * has them in cache (summed there: the same bits without reading the row back), else NULL; tmp
 * holds n floats for packed storage (read back and unpacked). kk_instance_stats_moments turns [C][2]
 * such sums over L values per channel into mean and invstd as above, the variance as
 * E[x^2] - mean^2 (in double: for float32 data the cancellation stays far below float32's
 * resolution unless |mean| exceeds the deviation some 10^4 times, which activations here do not). */
void kk_buf_row_moments(const kk_buf *a, int c, long t0, int n, const float *stored, float *tmp,
                        double *sums);
/* sums[C][2] += parts[u][C][2] for u = 0 .. n_parts-1, in that order (the same sums whichever
 * worker made each part). */
void kk_moments_add_parts(const double *parts, int n_parts, int C, double *sums);
void kk_instance_stats_moments(const double *sums, int C, long L, float eps, float *mean,
                               float *invstd);
/* The folding step alone, for statistics gathered elsewhere: on entry scale = invstd and
 * shift = mean; on return the AdaIN scale and shift. */
void kk_adain_fold(int C, const float *gb, const float *norm_w, const float *norm_b, float *scale,
                   float *shift);

/* y[c][t] = pre(x[c][t]) for every element (in place allowed). */
void kk_apply_pre(const float *x, int C, int L, const kk_pre *pre, float *y, int threads);
/* The same for n values of channel c. */
void kk_apply_pre_row(const kk_pre *pre, int c, const float *src, float *dst, int n);

void kk_leaky_relu(float *x, size_t n, float slope);
void kk_gelu_new(float *x, size_t n);


/* STFT as torch.stft(n_fft, hop, periodic Hann window of n_fft, center=True, reflect padding,
 * onesided): x[L] -> mag/phase [n_fft/2+1][N], N = L/hop + 1. Needs L > n_fft/2 and
 * n_fft <= 64. Split over `threads` workers; the result does not depend on their number. */
int kk_stft_frames(int L, int hop);
void kk_stft(const float *x, int L, int n_fft, int hop, float *mag, float *phase, int threads);
/* Inverse of the above (torch.istft, center=True, length None): spectrum mag*e^(i*phase),
 * [n_fft/2+1][N] -> y[hop*(N-1)]. Needs hop <= n_fft <= 64. */
void kk_istft(const float *mag, const float *phase, int N, int n_fft, int hop, float *y,
              int threads);

/* sin(x) to about 1e-7 absolute for |x| < 1e4: Cody-Waite reduction by pi/2 in three parts,
 * then the usual minimax polynomials on [-pi/4, pi/4]. Branch-free so that loops vectorise. */
static inline float kk_sinf(float x)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float j = (x * 0.636619772f + magic) - magic;
    float r = fmaf(-j, 1.5703125f, x);
    r = fmaf(-j, 4.837512969970703125e-4f, r);
    r = fmaf(-j, 7.549789954891882e-8f, r);
    int q = (int)j;
    float r2 = r * r;
    float s = fmaf(fmaf(fmaf(-1.9515295891e-4f, r2, 8.3321608736e-3f), r2, -1.6666654611e-1f),
                   r2 * r, r);
    float c = fmaf(fmaf(fmaf(2.443315711809948e-5f, r2, -1.388731625493765e-3f), r2,
                        4.166664568298827e-2f),
                   r2 * r2, fmaf(-0.5f, r2, 1.0f));
    float v = (q & 1) ? c : s;
    return (q & 2) ? -v : v;
}

#endif
