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
 * The same moves for the FFT convolution's blocks, 16 blocks at a time in vector registers (GCC
 * vector extensions; callers are cloned per ISA). Block b covers row[b*m*d ...] as above (tile
 * ii = b / d, phase q = b % d); its N inputs start every m samples of its phase.
 *
 * At dilation 1 one block's inputs are contiguous, so 16 blocks' are a 16 x N matrix whose
 * transpose is what the batched FFT wants: four rounds of two-register shuffles per 16 x 16
 * square (each swaps one bit of the row index with the same bit of the column index) instead of
 * one scalar load and store per sample. At other dilations a block's d phases are contiguous
 * runs of d, moved by 16-float copies that overlap the next run: ascending order rewrites every
 * float a copy wrote past its run, and the callers leave 16 floats of slack past each end.
 */
typedef float kk_vec16 __attribute__((vector_size(64)));
typedef int kk_ivec16 __attribute__((vector_size(64)));

#if defined(__clang__)
#define KK_SHUF2(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define KK_SHUF2(a, b, ...) __builtin_shuffle(a, b, (kk_ivec16){__VA_ARGS__})
#endif

/* One round: rows r and r + s (s = 1, 2, 4, 8; bit s of r clear) swap bit s of the column
 * index with bit s of the row index. */
#define KK_IDX(...) __VA_ARGS__
#define KK_TRANSPOSE_ROUND(v, s, lo, hi)                                                           \
    _Pragma("GCC unroll 16") for (int r = 0; r < 16; r++) if (!(r & (s)))                          \
    {                                                                                              \
        kk_vec16 a_ = v[r], b_ = v[r + (s)];                                                       \
        v[r] = KK_SHUF2(a_, b_, KK_IDX lo);                                                        \
        v[r + (s)] = KK_SHUF2(a_, b_, KK_IDX hi);                                                  \
    }

/* v[r][c] <- v[c][r] */
static inline __attribute__((always_inline)) void kk_transpose16(kk_vec16 v[16])
{
    KK_TRANSPOSE_ROUND(v, 1, (0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
                       (1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
    KK_TRANSPOSE_ROUND(v, 2, (0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
                       (2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
    KK_TRANSPOSE_ROUND(v, 4, (0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
                       (4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
    KK_TRANSPOSE_ROUND(v, 8, (0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
                       (8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
}

#define KK_LOAD16(v, p) memcpy(&(v), (p), sizeof(kk_vec16))
#define KK_STORE16(p, v) memcpy((p), &(v), sizeof(kk_vec16))

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
    if (d == 1 && N % 16 == 0) {
        int b0 = 0;
        for (; b0 + 16 <= nb; b0 += 16)
            for (int h = 0; h < N; h += 16) {
                kk_vec16 v[16];
                for (int i = 0; i < 16; i++)
                    KK_LOAD16(v[i], row + (size_t)(b0 + i) * m + h);
                kk_transpose16(v);
                for (int n = 0; n < 16; n++)
                    KK_STORE16(z + (size_t)zrow[h + n] * ld + b0, v[n]);
            }
        for (int n = 0; n < N; n++)
            for (int b = b0; b < nb; b++)
                z[(size_t)zrow[n] * ld + b] = row[(size_t)b * m + n];
        return;
    }
    if (d < 16) {
        /* rows in memory order, so each row's last copy spills only into the next row */
        for (int r = 0; r < N; r++) {
            int n = zrow_inv[r];
            float *dst = z + (size_t)r * ld;
            const float *src = row + (size_t)n * d;
            for (int ii = 0; ii < nrows; ii++) {
                kk_vec16 v;
                KK_LOAD16(v, src + (size_t)ii * m * d);
                KK_STORE16(dst + (size_t)ii * d, v);
            }
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
    if (d == 1 && m <= 64) {
        int b0 = 0;
        for (; b0 + 16 <= nb; b0 += 16) {
            float t[16][64];
            for (int h = 0; h < m; h += 16) {
                kk_vec16 v[16];
                for (int j = 0; j < 16; j++) {
                    if (h + j < m)
                        KK_LOAD16(v[j], z + (size_t)zrow[h + j] * ld + b0);
                    else
                        v[j] = (kk_vec16){0};
                }
                kk_transpose16(v);
                for (int i = 0; i < 16; i++)
                    KK_STORE16(&t[i][h], v[i]);
            }
            /* block by block in ascending order: each rewrites what the last wrote past its m */
            for (int i = 0; i < 16; i++)
                for (int h = 0; h < m; h += 16) {
                    kk_vec16 v;
                    KK_LOAD16(v, &t[i][h]);
                    KK_STORE16(out + (size_t)(b0 + i) * m + h, v);
                }
        }
        for (int b = b0; b < nb; b++)
            for (int j = 0; j < m; j++)
                out[(size_t)b * m + j] = z[(size_t)zrow[j] * ld + b];
        return;
    }
    if (d < 16) {
        for (int ii = 0; ii < nrows; ii++)
            for (int j = 0; j < m; j++) {
                kk_vec16 v;
                KK_LOAD16(v, z + (size_t)zrow[j] * ld + (size_t)ii * d);
                KK_STORE16(out + ((size_t)ii * m + j) * d, v);
            }
        return;
    }
    for (int ii = 0; ii < nrows; ii++)
        for (int j = 0; j < m; j++)
            for (int q = 0; q < d; q++)
                out[((size_t)ii * m + j) * d + q] = z[(size_t)zrow[j] * ld + (size_t)ii * d + q];
}
#endif
