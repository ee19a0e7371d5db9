/* Batched radix-2 real FFTs (see fft.h). Tables are built in double and rounded once. */
#include "nn/fft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/simd.h"

int kk_rfft_init(kk_rfft *t, int N)
{
    t->rev = NULL;
    t->twr = t->twi = t->pr = t->pi = NULL;
    if (N < 4 || N > 4096 || (N & (N - 1)))
        return -1;
    int M = N / 2, bits = 0;
    while ((1 << bits) < M)
        bits++;
    t->N = N;
    t->M = M;
    t->rev = malloc(sizeof(int) * (size_t)M);
    t->twr = malloc(sizeof(float) * (size_t)(M / 2 + 1));
    t->twi = malloc(sizeof(float) * (size_t)(M / 2 + 1));
    t->pr = malloc(sizeof(float) * (size_t)(M + 1));
    t->pi = malloc(sizeof(float) * (size_t)(M + 1));
    if (!t->rev || !t->twr || !t->twi || !t->pr || !t->pi) {
        kk_rfft_free(t);
        return -1;
    }
    for (int n = 0; n < M; n++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((n >> b) & 1) << (bits - 1 - b);
        t->rev[n] = r;
    }
    const double two_pi = 6.283185307179586476925286766559;
    for (int j = 0; j <= M / 2; j++) {
        t->twr[j] = (float)cos(two_pi * j / M);
        t->twi[j] = (float)-sin(two_pi * j / M);
    }
    for (int f = 0; f <= M; f++) {
        t->pr[f] = (float)cos(two_pi * f / N);
        t->pi[f] = (float)-sin(two_pi * f / N);
    }
    return 0;
}

void kk_rfft_free(kk_rfft *t)
{
    free(t->rev);
    free(t->twr);
    free(t->twi);
    free(t->pr);
    free(t->pi);
    t->rev = NULL;
    t->twr = t->twi = t->pr = t->pi = NULL;
}

/* One butterfly over the batch: (a, b) <- (a + w*b, a - w*b). */
static inline void butterfly(float *restrict ar, float *restrict ai, float *restrict br,
                             float *restrict bi, float wr, float wi, int B)
{
    for (int b = 0; b < B; b++) {
        float tr = br[b] * wr - bi[b] * wi, ti = br[b] * wi + bi[b] * wr;
        br[b] = ar[b] - tr;
        bi[b] = ai[b] - ti;
        ar[b] += tr;
        ai[b] += ti;
    }
}

/* In-place iterative DIT FFT of M points (input bit-reversed, output natural); sign -1 forward,
 * +1 inverse (conjugate twiddles, no scaling). */
static inline __attribute__((always_inline)) void complex_fft(const kk_rfft *t, float *zr, float *zi, int B, float sign)
{
    int M = t->M;
    for (int len = 2; len <= M; len <<= 1) {
        int half = len / 2, step = M / len;
        for (int g = 0; g < M; g += len)
            for (int j = 0; j < half; j++) {
                float wr = t->twr[j * step], wi = -sign * t->twi[j * step];
                size_t a = (size_t)(g + j) * B, b = (size_t)(g + j + half) * B;
                butterfly(zr + a, zi + a, zr + b, zi + b, wr, wi, B);
            }
    }
}

/* X[f] = E + W^f O with E = Z[f] + conj Z[M-f], O = -i (Z[f] - conj Z[M-f]) (both doubled);
 * with s non-NULL also s = Re + Im (Gauss's third operand, see conv_fft.c). */
static inline __attribute__((always_inline)) void
split_bin(const float *restrict ar, const float *restrict ai, const float *restrict cr,
          const float *restrict ci, float wr, float wi, float *restrict xr, float *restrict xi,
          float *restrict s, int B)
{
    for (int b = 0; b < B; b++) {
        float er = ar[b] + cr[b], ei = ai[b] - ci[b];
        float or_ = ai[b] + ci[b], oi = cr[b] - ar[b];
        float re = er + (wr * or_ - wi * oi), im = ei + (wr * oi + wi * or_);
        xr[b] = re;
        if (xi)
            xi[b] = im;
        if (s)
            s[b] = re + im;
    }
}

/* Bins to rows re[f], im[f] (and sum[f] when sum is non-NULL); the imaginary parts of bins 0
 * and M (zero for real input) are not written. */
KK_SIMD_CLONES
static void rfft_forward_rows(const kk_rfft *t, float *zr, float *zi, int B, float *const *re,
                              float *const *im, float *const *sum)
{
    int M = t->M;
    complex_fft(t, zr, zi, B, -1.0f);
    for (int f = 0; f <= M; f++) {
        int a = f % M, c = (M - f) % M, edge = f == 0 || f == M;
        const float *ar = zr + (size_t)a * B, *ai = zi + (size_t)a * B;
        const float *cr = zr + (size_t)c * B, *ci = zi + (size_t)c * B;
        if (edge)
            split_bin(ar, ai, cr, ci, t->pr[f], t->pi[f], re[f], NULL, NULL, B);
        else if (sum)
            split_bin(ar, ai, cr, ci, t->pr[f], t->pi[f], re[f], im[f], sum[f], B);
        else
            split_bin(ar, ai, cr, ci, t->pr[f], t->pi[f], re[f], im[f], NULL, B);
    }
}

/* Z[f] = E + i O with E = X[f] + conj X[M-f], O = (X[f] - conj X[M-f]) W^-f, stored at row
 * rev[f] for the DIT pass. */
static inline void merge_bin(const float *restrict ar, const float *restrict ai,
                             const float *restrict cr, const float *restrict ci, float wr, float wi,
                             float *restrict zr, float *restrict zi, int B)
{
    for (int b = 0; b < B; b++) {
        float er = ar[b] + cr[b], ei = ai[b] - ci[b];
        float dr = ar[b] - cr[b], di = ai[b] + ci[b];
        /* O = d * conj(W^f) */
        float or_ = dr * wr + di * wi, oi = di * wr - dr * wi;
        zr[b] = er - oi;
        zi[b] = ei + or_;
    }
}

KK_SIMD_CLONES
static void rfft_inverse_rows(const kk_rfft *t, const float *const *re, const float *const *im,
                              int B, float *zr, float *zi)
{
    int M = t->M;
    for (int f = 0; f < M; f++) {
        size_t r = (size_t)t->rev[f] * B;
        if (f == 0) {
            /* bins 0 and M are real: their imaginary parts are not read */
            const float *x0 = re[0], *xm = re[M];
            for (int b = 0; b < B; b++) {
                zr[r + b] = x0[b] + xm[b];
                zi[r + b] = x0[b] - xm[b];
            }
            continue;
        }
        merge_bin(re[f], im[f], re[M - f], im[M - f], t->pr[f], t->pi[f], zr + r, zi + r, B);
    }
    complex_fft(t, zr, zi, B, 1.0f);
}

/* The exported entry points are plain functions around the cloned bodies: clang resolves a
 * target_clones function only where its every declaration carries the attribute, so a clone
 * must not be called by its name from another file. */
#define KK_RFFT_MAX_M 2048 /* N <= 4096 (kk_rfft_init) */

void kk_rfft_forward(const kk_rfft *t, float *zr, float *zi, int B, float *Xr, float *Xi)
{
    float *re[KK_RFFT_MAX_M + 1], *im[KK_RFFT_MAX_M + 1];
    for (int f = 0; f <= t->M; f++) {
        re[f] = Xr + (size_t)f * B;
        im[f] = Xi + (size_t)f * B;
    }
    rfft_forward_rows(t, zr, zi, B, re, im, NULL);
    memset(Xi, 0, sizeof(float) * (size_t)B);
    memset(Xi + (size_t)t->M * B, 0, sizeof(float) * (size_t)B);
}

void kk_rfft_forward_rows(const kk_rfft *t, float *zr, float *zi, int B, float *const *re,
                          float *const *im, float *const *sum)
{
    rfft_forward_rows(t, zr, zi, B, re, im, sum);
}

void kk_rfft_inverse(const kk_rfft *t, const float *Xr, const float *Xi, int B, float *zr,
                     float *zi)
{
    const float *re[KK_RFFT_MAX_M + 1], *im[KK_RFFT_MAX_M + 1];
    for (int f = 0; f <= t->M; f++) {
        re[f] = Xr + (size_t)f * B;
        im[f] = Xi + (size_t)f * B;
    }
    rfft_inverse_rows(t, re, im, B, zr, zi);
}

void kk_rfft_inverse_rows(const kk_rfft *t, const float *const *re, const float *const *im, int B,
                          float *zr, float *zi)
{
    rfft_inverse_rows(t, re, im, B, zr, zi);
}
