/*
 * conv_wino — exact fast convolution for k = 3: a stride-1, "same"-padded Conv1d (pad = dil) by
 * Winograd's minimal filtering F(m, 3), with the channel mixing done per evaluation point by
 * nn/gemm.h.
 *
 * A dilated convolution with dilation d is d undilated ones over the decimated sequences x[p::d];
 * each is cut into tiles of m outputs, which read m + 2 inputs. Gathering those at stride d from
 * the plain input (no decimated copy is made), a tile's inputs are transformed to n = m + 2
 * values (V = B^T x), each point i is one GEMM Y_i[out][tiles] = U_i[out][in] V_i[in][tiles]
 * with U_i = (G w)_i the transformed filter, and the tile's m outputs are A^T Y. Direct
 * convolution costs 3 multiply-adds per output and channel pair; this costs n/m: 1.5 at m = 4,
 * 1.33 at m = 6, plus transforms whose cost per output falls with the channel count.
 *
 * The transformed filters depend only on the weights: n planes of [out][in], n/3 times the
 * layer's weights, packed for nn/gemm.h. The engine makes them per call (engine/fast_conv.c):
 * a few multiply-adds per weight, against a GEMM over all of the call's columns per plane.
 *
 * Numerics: the matrices come from Toom-Cook interpolation at the points 0, +-1, +-2 (and +-1/2
 * for m = 6) plus infinity. They are computed in double and the input transform's rows are
 * scaled to small integers, so B^T is exact in float32; G (applied once, in double) and A^T carry
 * the rest. The rounding error grows with the size of the matrices' entries (up to 8 in A^T at
 * m = 4, 32 at m = 6): measured against direct convolution, up to 6e-7 of the output's max at
 * m = 4 and 9e-7 at m = 6 with 64 channels of uniform inputs (tests/unit/test_nn.c).
 */
#ifndef KOKORO_NN_CONV_WINO_H
#define KOKORO_NN_CONV_WINO_H
#include <stddef.h>

#include "nn/nn.h"

#define KK_WINO_MAX_N 8 /* m + 2 for the largest tile, m = 6 */

typedef struct {
    int in, out, m, n; /* n = m + 2 points */
    float BT[KK_WINO_MAX_N][KK_WINO_MAX_N]; /* input transform [point][input] */
    float AT[KK_WINO_MAX_N][KK_WINO_MAX_N]; /* output transform [output][point] */
    double G[KK_WINO_MAX_N][3];              /* filter transform [point][tap] */
    float Gf[KK_WINO_MAX_N][3];              /* the same rounded: what the filters are made with */
} kk_conv_wino;

/* Multiply-adds per output and channel pair of F(m, 3) (GEMMs only): (m + 2) / m. */
double kk_conv_wino_cost(int m);

/* The shape-only part of a plan for W[out][in][3] with tiles of m outputs (m = 2, 4 or 6).
 * 0 on success, -1 for an unsupported m or bad sizes. */
int kk_conv_wino_init(kk_conv_wino *p, int out, int in, int m);

/* The transformed filters: n planes of [out][in] (kk_conv_wino_packed_floats floats), each
 * packed for nn/gemm.h, made over `threads` workers (the same bits for any count). */
size_t kk_conv_wino_packed_floats(const kk_conv_wino *p);
void kk_conv_wino_filters(const kk_conv_wino *p, const float *W, float *U, int threads);
/* The same packed filters from W's three taps already
 * packed as kk_conv1d_pack lays them out (tap q's [out][in] plane at q * kk_gemm_packed_floats(
 * out, in)): the same bits as kk_conv_wino_filters. */
void kk_conv_wino_filters_packed(const kk_conv_wino *p, const float *taps, float *U, int threads);

/* Scratch floats kk_conv1d_wino needs for a length-L input at dilation dil. */
size_t kk_conv1d_wino_scratch(const kk_conv_wino *p, int L, int dil, int threads);

/* y[out][L] (+)= conv1d(pre(x), W, b) with k = 3, stride 1, dilation dil, pad dil, as
 * kk_conv1d_buf computes it (x, y in either storage; U from kk_conv_wino_filters). The result does
 * not depend on the thread count. moments: as for kk_conv1d_fft (nn/conv_fft.h), or NULL. */
void kk_conv1d_wino(const kk_conv_wino *p, const float *U, const kk_buf *x, const kk_pre *pre,
                    const float *b, int dil, kk_buf *y, int accumulate, float *scratch,
                    int threads, double *moments);

/* Output columns [t0, t0+n) only, on the calling thread (the counterpart of kk_conv1d_cols for
 * callers that tile time themselves): y[o*ldy + t] += conv(pre(x))[o][t0 + t], pad dil, no bias.
 * scratch: kk_conv1d_wino_cols_scratch floats. */
size_t kk_conv1d_wino_cols_scratch(const kk_conv_wino *p, int n, int dil);
void kk_conv1d_wino_cols(const kk_conv_wino *p, const float *U, const kk_buf *x,
                         const kk_pre *pre, int dil, long t0, int n, float *y, size_t ldy,
                         float *scratch);
#endif
