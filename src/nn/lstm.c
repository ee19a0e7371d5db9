#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

size_t kk_bilstm_scratch(int T, int hidden)
{
    return 2 * ((size_t)T * 4 * hidden + 4 * (size_t)hidden + 2 * (size_t)hidden);
}

static float sigmoidf(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

typedef struct {
    const kk_lstm_weights *w;
    float *y, *scratch;
    int T;
} lstm_job;

/* The recurrence of direction dir over its precomputed input projections G [T][4H]. */
static void recur(void *p, int d0, int d1, int worker)
{
    const lstm_job *j = p;
    (void)worker;
    int H = j->w->hidden, G4 = 4 * H, T = j->T;
    for (int dir = d0; dir < d1; dir++) {
        float *G = j->scratch + (size_t)dir * ((size_t)T * G4 + G4 + 2 * (size_t)H);
        float *z = G + (size_t)T * G4;
        float *h = z + G4;
        float *c = h + H;
        memset(h, 0, sizeof(float) * H);
        memset(c, 0, sizeof(float) * H);
        for (int step = 0; step < T; step++) {
            int t = dir ? T - 1 - step : step;
            memcpy(z, G + (size_t)t * G4, sizeof(float) * G4);
            cblas_sgemv(CblasRowMajor, CblasNoTrans, G4, H, 1.0f, j->w->w_hh[dir], H, h, 1, 1.0f,
                        z, 1);
            float *out = j->y + (size_t)t * 2 * H + (size_t)dir * H;
            for (int i = 0; i < H; i++) {
                float ig = sigmoidf(z[i]);
                float fg = sigmoidf(z[H + i]);
                float gg = tanhf(z[2 * H + i]);
                float og = sigmoidf(z[3 * H + i]);
                c[i] = fg * c[i] + ig * gg;
                h[i] = og * tanhf(c[i]);
                out[i] = h[i];
            }
        }
    }
}

/* The input projection W_ih x_t + b_ih + b_hh of every step is one GEMM per direction; only
 * W_hh h_{t-1} remains inside the recurrence, and the two directions' recurrences, which are
 * independent, run side by side (each is one chain of small GEMVs that one core does best). */
void kk_bilstm(const kk_lstm_weights *w, const float *x, int T, float *y, float *scratch,
               int threads)
{
    int H = w->hidden, G4 = 4 * H;
    for (int dir = 0; dir < 2; dir++) {
        float *G = scratch + (size_t)dir * ((size_t)T * G4 + G4 + 2 * (size_t)H);
        kk_linear(x, T, w->in, w->w_ih[dir], NULL, G4, G, threads);
        for (int t = 0; t < T; t++) {
            float *g = G + (size_t)t * G4;
            for (int j = 0; j < G4; j++)
                g[j] += w->b_ih[dir][j] + w->b_hh[dir][j];
        }
    }
    lstm_job j = {w, y, scratch, T};
    kk_parallel_for(threads < 2 ? 1 : 2, 2, recur, &j);
}
