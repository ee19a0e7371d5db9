/* strided — moving every tile's (or block's) samples of a row between the row and a dense
 * matrix: the FFT and Winograd convolutions both lay a row out as tiles `stride` apart, each
 * read at `d` consecutive positions (the dilation's interleaved phases). */
#ifndef KOKORO_NN_STRIDED_H
#define KOKORO_NN_STRIDED_H
#include <stddef.h>
#include <string.h>

/* dst[ii*d + q] = src[ii*stride + q] for ii < rows, q < d (one sample of every tile). */
static inline void kk_gather_strided(float *restrict dst, const float *restrict src, int rows,
                                     int stride, int d)
{
    if (d == 1) {
        for (int ii = 0; ii < rows; ii++)
            dst[ii] = src[(size_t)ii * stride];
        return;
    }
    for (int ii = 0; ii < rows; ii++)
        for (int q = 0; q < d; q++)
            dst[ii * d + q] = src[(size_t)ii * stride + q];
}

/* dst[ii*stride + q] += src[ii*d + q], the inverse of kk_gather_strided. */
static inline void kk_scatter_add_strided(float *restrict dst, const float *restrict src, int rows,
                                          int stride, int d)
{
    if (d == 1) {
        for (int ii = 0; ii < rows; ii++)
            dst[(size_t)ii * stride] += src[ii];
        return;
    }
    for (int ii = 0; ii < rows; ii++)
        for (int q = 0; q < d; q++)
            dst[(size_t)ii * stride + q] += src[ii * d + q];
}

/*
 * The same moves for the FFT convolution's blocks, several blocks at a time in vector registers
 * (GCC vector extensions; callers are cloned per ISA). Block b covers row[b*m*d ...] as above
 * (tile ii = b / d, phase q = b % d); its N inputs start every m samples of its phase.
 *
 * At dilation 1 one block's inputs are contiguous, so 8 blocks' are an 8 x N matrix whose
 * transpose is what the batched FFT wants: 8 x 8 squares in the three rounds of shuffles every
 * x86 vector ISA has single instructions for, instead of one scalar load and store per sample
 * (measured: 16 x 16 squares in four rounds of two-register shuffles were slower on AVX-512 and
 * on AVX2, where such shuffles take several instructions). At other dilations a block's phases
 * are contiguous runs of d, moved by 8- or 16-float copies that overlap the next run: ascending
 * order rewrites every float a copy wrote past its run, and the callers leave 16 floats of slack
 * past each end.
 */
typedef float kk_vec8 __attribute__((vector_size(32)));
typedef float kk_vec16 __attribute__((vector_size(64)));
typedef int kk_ivec8 __attribute__((vector_size(32)));
#if defined(__clang__)
#define KK_SHUF8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define KK_SHUF8(a, b, ...) __builtin_shuffle(a, b, (kk_ivec8){__VA_ARGS__})
#endif

/* v[r][c] <- v[c][r] for 8 x 8: interleave, two-element shuffle, 128-bit halves */
static inline __attribute__((always_inline)) void kk_transpose8(kk_vec8 v[8])
{
    kk_vec8 t[8], u[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; r += 2) {
        t[r] = KK_SHUF8(v[r], v[r + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[r + 1] = KK_SHUF8(v[r], v[r + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
#pragma GCC unroll 8
    for (int r = 0; r < 8; r += 4)
#pragma GCC unroll 2
        for (int i = 0; i < 2; i++) {
            u[r + 2 * i] = KK_SHUF8(t[r + i], t[r + i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
            u[r + 2 * i + 1] = KK_SHUF8(t[r + i], t[r + i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        v[c] = KK_SHUF8(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        v[c + 4] = KK_SHUF8(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/* unaligned moves (memcpy: one vector load or store) */
#define KK_MOVE8(dst, src) memcpy((dst), (src), sizeof(kk_vec8))
#define KK_MOVE16(dst, src) memcpy((dst), (src), sizeof(kk_vec16))

/* z[n][b] = row[(b/d)*m*d + n*d + b%d] for n < N, b < nb = nrows*d, with z's row n at
 * z + zrow[n]*ld, any permutation of 0..N-1, and zrow_inv its inverse. Reads up to 15 floats
 * past the last input; at d > 1 writes up to 15 past the end of z's last row, which must be
 * scratch. */
static inline __attribute__((always_inline)) void kk_gather_blocks(float *z, const int *zrow,
                                                                   const int *zrow_inv, size_t ld,
                                                                   const float *row, int nrows,
                                                                   int m, int d, int N)
{
    int nb = nrows * d;
    if (d == 1 && N % 8 == 0) {
        int b0 = 0;
        for (; b0 + 8 <= nb; b0 += 8)
            for (int h = 0; h < N; h += 8) {
                kk_vec8 v[8];
#pragma GCC unroll 8
                for (int i = 0; i < 8; i++)
                    KK_MOVE8(&v[i], row + (size_t)(b0 + i) * m + h);
                kk_transpose8(v);
#pragma GCC unroll 8
                for (int n = 0; n < 8; n++)
                    KK_MOVE8(z + (size_t)zrow[h + n] * ld + b0, &v[n]);
            }
        for (int n = 0; n < N; n++)
            for (int b = b0; b < nb; b++)
                z[(size_t)zrow[n] * ld + b] = row[(size_t)b * m + n];
        return;
    }
    if (d <= 16) {
        /* rows in memory order, so each row's last copy spills only into the next row */
        for (int r = 0; r < N; r++) {
            float *dst = z + (size_t)r * ld;
            const float *src = row + (size_t)zrow_inv[r] * d;
            if (d <= 8)
                for (int ii = 0; ii < nrows; ii++)
                    KK_MOVE8(dst + (size_t)ii * d, src + (size_t)ii * m * d);
            else
                for (int ii = 0; ii < nrows; ii++)
                    KK_MOVE16(dst + (size_t)ii * d, src + (size_t)ii * m * d);
        }
        return;
    }
    for (int n = 0; n < N; n++)
        kk_gather_strided(z + (size_t)zrow[n] * ld, row + (size_t)n * d, nrows, m * d, d);
}

/* out[(b/d)*m*d + j*d + b%d] = z[j][b] for j < m, b < nb = nrows*d (z's row j at z + zrow[j]*ld):
 * every output of every block written once. Writes up to 15 floats past the last output and at
 * d > 1 reads up to 15 past a row of z, which must be readable. */
static inline __attribute__((always_inline)) void kk_scatter_blocks(float *out, const float *z,
                                                                    const int *zrow, size_t ld,
                                                                    int nrows, int m, int d)
{
    int nb = nrows * d;
    if (d == 1) {
        int b0 = 0;
        /* chunks of 8 outputs last to first: a block's last chunk runs past its m outputs into
         * the next block's first ones, which the first chunk's pass (or the next group, or the
         * scalar tail) then writes */
        for (; b0 + 8 <= nb; b0 += 8)
            for (int h = (m - 1) / 8 * 8; h >= 0; h -= 8) {
                kk_vec8 v[8];
#pragma GCC unroll 8
                for (int j = 0; j < 8; j++) {
                    if (h + j < m)
                        KK_MOVE8(&v[j], z + (size_t)zrow[h + j] * ld + b0);
                    else
                        v[j] = (kk_vec8){0};
                }
                kk_transpose8(v);
#pragma GCC unroll 8
                for (int i = 0; i < 8; i++)
                    KK_MOVE8(out + (size_t)(b0 + i) * m + h, &v[i]);
            }
        for (int b = b0; b < nb; b++)
            for (int j = 0; j < m; j++)
                out[(size_t)b * m + j] = z[(size_t)zrow[j] * ld + b];
        return;
    }
    if (d <= 16) {
        for (int ii = 0; ii < nrows; ii++)
            for (int j = 0; j < m; j++) {
                const float *src = z + (size_t)zrow[j] * ld + (size_t)ii * d;
                float *dst = out + ((size_t)ii * m + j) * d;
                if (d <= 8)
                    KK_MOVE8(dst, src);
                else
                    KK_MOVE16(dst, src);
            }
        return;
    }
    for (int ii = 0; ii < nrows; ii++)
        for (int j = 0; j < m; j++)
            for (int q = 0; q < d; q++)
                out[((size_t)ii * m + j) * d + q] = z[(size_t)zrow[j] * ld + (size_t)ii * d + q];
}
#endif
