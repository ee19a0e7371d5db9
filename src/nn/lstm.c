#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn/nn.h"

size_t kk_bilstm_scratch(int T, int hidden)
{
    return (size_t)T * 4 * hidden + 4 * (size_t)hidden + 2 * (size_t)hidden;
}

static float sigmoidf(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

/* The input projection W_ih x_t + b_ih + b_hh of every step is one GEMM; only W_hh h_{t-1}
 * remains inside the recurrence. */
void kk_bilstm(const kk_lstm_weights *w, const float *x, int T, float *y, float *scratch,
               int threads)
{
    int H = w->hidden, G4 = 4 * H;
    float *G = scratch;
    float *z = G + (size_t)T * G4;
    float *h = z + G4;
    float *c = h + H;
    for (int dir = 0; dir < 2; dir++) {
        kk_linear(x, T, w->in, w->w_ih[dir], NULL, G4, G, threads);
        for (int t = 0; t < T; t++) {
            float *g = G + (size_t)t * G4;
            for (int j = 0; j < G4; j++)
                g[j] += w->b_ih[dir][j] + w->b_hh[dir][j];
        }
        memset(h, 0, sizeof(float) * H);
        memset(c, 0, sizeof(float) * H);
        for (int step = 0; step < T; step++) {
            int t = dir ? T - 1 - step : step;
            memcpy(z, G + (size_t)t * G4, sizeof(float) * G4);
            cblas_sgemv(CblasRowMajor, CblasNoTrans, G4, H, 1.0f, w->w_hh[dir], H, h, 1, 1.0f, z,
                        1);
            float *out = y + (size_t)t * 2 * H + (size_t)dir * H;
            for (int j = 0; j < H; j++) {
                float ig = sigmoidf(z[j]);
                float fg = sigmoidf(z[H + j]);
                float gg = tanhf(z[2 * H + j]);
                float og = sigmoidf(z[3 * H + j]);
                c[j] = fg * c[j] + ig * gg;
                h[j] = og * tanhf(c[j]);
                out[j] = h[j];
            }
        }
    }
}
