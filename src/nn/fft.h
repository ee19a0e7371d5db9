/*
 * fft — batched real FFTs of one small power-of-two length, for the FFT convolution (conv_fft.c).
 *
 * A batch is B signals side by side: element n of signal b is at [n*B + b], so every butterfly is
 * one loop over the batch that the compiler vectorises (AVX2 or AVX-512, chosen at run time). A
 * real signal of length N is transformed as N/2 complex values z[n] = x[2n] + i*x[2n+1] and then
 * split into the N/2+1 bins of its spectrum (the usual packing; half the work of a complex FFT).
 *
 * Scale: kk_rfft_forward returns 2*X[f] (X the DFT, sum_n x[n] e^{-2 pi i f n / N}) and
 * kk_rfft_inverse returns N*x from X; callers fold the constant into their filters.
 */
#ifndef KOKORO_NN_FFT_H
#define KOKORO_NN_FFT_H

typedef struct {
    int N, M;         /* real length N = 2M, M a power of two >= 2 */
    int *rev;         /* [M] bit reversal of log2(M) bits */
    float *twr, *twi; /* [M/2] e^{-2 pi i j / M} */
    float *pr, *pi;   /* [M+1] e^{-2 pi i f / N} */
} kk_rfft;

/* 0 on success, -1 when N is not a power of two in [4, 4096] or memory runs out. */
int kk_rfft_init(kk_rfft *t, int N);
void kk_rfft_free(kk_rfft *t);

/* Forward: on entry zr/zi [M][B] hold signal b's x[2n] / x[2n+1] at row rev[n] (callers gather
 * straight into that order); they are overwritten. Out: Xr/Xi [M+1][B], 2*X[f]. */
void kk_rfft_forward(const kk_rfft *t, float *zr, float *zi, int B, float *Xr, float *Xi);

/* The same with bin f written to rows re[f] and im[f] anywhere in memory (the imaginary rows of
 * bins 0 and M are not written: they are zero), and where sum is non-NULL also re + im to
 * sum[f] for 0 < f < M (the operands of Gauss's three products, conv_fft.c). */
void kk_rfft_forward_rows(const kk_rfft *t, float *zr, float *zi, int B, float *const *re,
                          float *const *im, float *const *sum);

/* Inverse: Xr/Xi [M+1][B] a half spectrum (Xi of bins 0 and M ignored); out: zr/zi [M][B] with
 * N*x[2n] in zr[n] and N*x[2n+1] in zi[n]. */
void kk_rfft_inverse(const kk_rfft *t, const float *Xr, const float *Xi, int B, float *zr,
                     float *zi);
/* The same reading bin f from rows re[f], im[f] anywhere in memory. */
void kk_rfft_inverse_rows(const kk_rfft *t, const float *const *re, const float *const *im, int B,
                          float *zr, float *zi);
#endif
