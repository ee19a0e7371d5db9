/* strided — moving every tile's (or block's) samples of a row between the row and a dense
 * matrix: the FFT and Winograd convolutions both lay a row out as tiles `stride` apart, each
 * read at `d` consecutive positions (the dilation's interleaved phases). */
#ifndef KOKORO_NN_STRIDED_H
#define KOKORO_NN_STRIDED_H
#include <stddef.h>

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
#endif
