/*
 * conv_fft — exact fast convolution: a stride-1, "same"-padded Conv1d (odd k, pad = dil*(k-1)/2)
 * computed by FFT overlap-save, with the channel mixing done per frequency bin by BLAS.
 *
 * A dilated convolution with dilation d is d undilated ones over the decimated sequences
 * x[p::d]; each is cut into blocks of N inputs that give m = N-k+1 outputs. Per block the real
 * FFT of every input channel is taken, each of the N/2+1 bins is one complex GEMM
 * Y_f[out][blocks] = W_f[out][in] X_f[in][blocks] (bins 0 and N/2 are real; the others take three
 * real GEMMs by Gauss's trick), and an inverse FFT per output channel keeps the block's m valid
 * outputs. Direct convolution costs k multiply-adds per output and channel pair; this costs
 * (3(N/2-1)+2)/m: 1.57 for k = 3, 1.81 for k = 7 and 2.14 for k = 11 at N = 32.
 *
 * The filter spectra W_f depend only on the weights: the model computes them once at load for the
 * layers its memory budget covers and keeps them read-only for every thread; other layers get
 * theirs per call by the same code: each plane is a fixed combination of W's k taps, made and
 * packed a slice of a panel at a time from the slice's taps (kk_gemm_pack_combos).
 *
 * Optionally the per-bin GEMMs run in bf16 (kk_conv1d_fft_bf16, nn/gemm_bf16.h) on bf16 planes
 * holding the same values rounded; the transforms stay float32.
 */
#ifndef KOKORO_NN_CONV_FFT_H
#define KOKORO_NN_CONV_FFT_H
#include <stddef.h>

#include "nn/fft.h"
#include "nn/gemm_bf16.h"
#include "nn/nn.h"

typedef struct {
    int in, out, k, N, m; /* m = N - k + 1 valid outputs per block */
    kk_rfft fft;
    float *table;         /* [N][k]: the DFT rows that turn W into its spectra (scaled) */
    int *zrow;            /* [3][N]: the row of the FFT's [2][N/2] batch holding input n (even
                           * n in the real half at bit-reversed rows, odd in the imaginary),
                           * its inverse, and the row of output j (natural order) */
} kk_conv_fft;

/* Multiply-adds per output and channel pair of the FFT method (GEMMs only). */
double kk_conv_fft_cost(int k, int N);

/* The shape-only part of a plan for W[out][in][k] (k odd) at FFT length N (a power of two > k).
 * 0 on success, -1 out of memory or bad sizes. */
int kk_conv_fft_init(kk_conv_fft *p, int out, int in, int k, int N);
void kk_conv_fft_free(kk_conv_fft *p);

/* The filter spectra of W: 3N/2 - 1 planes of [out][in] (bin 0; bin N/2; Re and Im of bins 1 ..
 * N/2-1; then Re + Im of bins 1 .. N/2-1), each packed for nn/gemm.h
 * (kk_conv_fft_spectra_floats floats), computed by one function whatever the thread count, so a
 * spectrum made at load and one made per call are the same bits. */
size_t kk_conv_fft_spectra_floats(const kk_conv_fft *p);
void kk_conv_fft_spectra(const kk_conv_fft *p, const float *W, float *spec, int threads);

/* Optional bf16 planes (nn/gemm_bf16.h; only where kk_gemm_bf16_native()): the same values as
 * kk_conv_fft_spectra's planes, rounded to bf16 and packed for kk_gemm_bf16_packed.
 * kk_conv_fft_bf16_elems bf16 values; scratch holds kk_conv_fft_bf16_scratch floats. */
size_t kk_conv_fft_bf16_elems(const kk_conv_fft *p);
size_t kk_conv_fft_bf16_scratch(const kk_conv_fft *p);
void kk_conv_fft_spectra_bf16(const kk_conv_fft *p, const float *W, kk_bf16 *spec16,
                              float *scratch, int threads);

/* Scratch floats kk_conv1d_fft needs for a length-L input at dilation dil. */
size_t kk_conv1d_fft_scratch(const kk_conv_fft *p, int L, int dil, int threads);

/* y[out][L] (+)= conv1d(pre(x), W, b) with stride 1, dilation dil, pad dil*(k-1)/2, as
 * kk_conv1d_buf computes it (same arguments; x, y in either storage; spec from
 * kk_conv_fft_spectra). The result does not depend on the thread count. With moments non-NULL,
 * moments[o][2] receives the sum and sum of squares (kk_buf_row_moments) of y's row o as stored,
 * gathered as the rows are written (the next instance norm then needs no pass over y); the same
 * sums for any thread count. */
void kk_conv1d_fft(const kk_conv_fft *p, const float *spec, const kk_buf *x, const kk_pre *pre,
                   const float *b, int dil, kk_buf *y, int accumulate, float *scratch,
                   int threads, double *moments);
/* The same with the per-bin GEMMs in bf16 (spec16 from kk_conv_fft_spectra_bf16; same scratch).
 * The FFTs and everything else stay float32; the result does not depend on the thread count. */
void kk_conv1d_fft_bf16(const kk_conv_fft *p, const kk_bf16 *spec16, const kk_buf *x,
                        const kk_pre *pre, const float *b, int dil, kk_buf *y, int accumulate,
                        float *scratch, int threads);
#endif
