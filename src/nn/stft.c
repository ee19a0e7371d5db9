#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

#define KK_MAX_NFFT 64

static void hann(int n_fft, double *w)
{
    for (int n = 0; n < n_fft; n++)
        w[n] = 0.5 - 0.5 * cos(2.0 * M_PI * n / n_fft);
}

int kk_stft_frames(int L, int hop)
{
    return L / hop + 1;
}

/*
 * Both transforms run on the workers over blocks: of frames for the forward one, of output samples
 * for the inverse, their inner loops across a block's frames or samples so they vectorise. Each
 * value is still summed in the order one frame at a time sums it (over n, over k, and over the
 * overlapping frames in ascending order), so the output is the same bits for any thread count.
 */
#define KK_STFT_FRAMES 64    /* frames per block of the forward transform */
#define KK_ISTFT_SAMPLES 2048 /* output samples per block of the inverse */

typedef struct {
    const float *x;
    float *mag, *phase;
    int L, n_fft, hop, N;
    double cs[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT], sn[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT];
} stft_job;

static void stft_blocks(void *ctx, int b0, int b1, int worker)
{
    const stft_job *j = ctx;
    int n_fft = j->n_fft, half = n_fft / 2, N = j->N;
    (void)worker;
    for (int blk = b0; blk < b1; blk++) {
        int m0 = blk * KK_STFT_FRAMES, cnt = N - m0 < KK_STFT_FRAMES ? N - m0 : KK_STFT_FRAMES;
        double frame[KK_MAX_NFFT][KK_STFT_FRAMES], re[KK_STFT_FRAMES], im[KK_STFT_FRAMES];
        for (int n = 0; n < n_fft; n++)
            for (int i = 0; i < cnt; i++) {
                /* index into x, reflected at both ends */
                long p = (long)(m0 + i) * j->hop + n - half;
                if (p < 0)
                    p = -p;
                if (p >= j->L)
                    p = 2 * (long)(j->L - 1) - p;
                frame[n][i] = j->x[p];
            }
        for (int k = 0; k <= half; k++) {
            for (int i = 0; i < cnt; i++)
                re[i] = im[i] = 0.0;
            for (int n = 0; n < n_fft; n++) {
                double c = j->cs[k][n], sn = j->sn[k][n];
                for (int i = 0; i < cnt; i++) {
                    re[i] += c * frame[n][i];
                    im[i] += sn * frame[n][i];
                }
            }
            for (int i = 0; i < cnt; i++) {
                /* A real FFT's DC and Nyquist bins have an exactly zero imaginary part. */
                float fr = (float)re[i], fi = k == 0 || k == half ? 0.0f : (float)im[i];
                j->mag[(size_t)k * N + m0 + i] = sqrtf(fr * fr + fi * fi);
                j->phase[(size_t)k * N + m0 + i] = atan2f(fi, fr);
            }
        }
    }
}

void kk_stft(const float *x, int L, int n_fft, int hop, float *mag, float *phase, int threads)
{
    stft_job j = {x, mag, phase, L, n_fft, hop, kk_stft_frames(L, hop), {{0}}, {{0}}};
    double w[KK_MAX_NFFT];
    hann(n_fft, w);
    for (int k = 0; k <= n_fft / 2; k++)
        for (int n = 0; n < n_fft; n++) {
            double a = 2.0 * M_PI * (double)((k * n) % n_fft) / n_fft;
            j.cs[k][n] = cos(a) * w[n];
            j.sn[k][n] = -sin(a) * w[n];
        }
    kk_parallel_for(threads, (j.N + KK_STFT_FRAMES - 1) / KK_STFT_FRAMES, stft_blocks, &j);
}

typedef struct {
    const float *mag, *phase;
    float *y;
    int N, n_fft, hop;
    size_t Lout;
    double w[KK_MAX_NFFT];
    double cs[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT], sn[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT];
} istft_job;

/* Output samples [q0, q1) come from the frames that overlap [q0 + half, q1 + half) of the padded
 * signal; a frame on a block's edge is computed by both blocks, the same way. */
static void istft_blocks(void *ctx, int b0, int b1, int worker)
{
    const istft_job *j = ctx;
    int n_fft = j->n_fft, half = n_fft / 2, hop = j->hop;
    (void)worker;
    for (int blk = b0; blk < b1; blk++) {
        size_t q0 = (size_t)blk * KK_ISTFT_SAMPLES;
        size_t q1 = q0 + KK_ISTFT_SAMPLES < j->Lout ? q0 + KK_ISTFT_SAMPLES : j->Lout;
        long p0 = (long)(q0 + half), p1 = (long)(q1 + half); /* padded positions */
        /* the first frame m with m*hop + n_fft > p0, the last with m*hop <= p1 - 1 */
        long ma = p0 - n_fft + 1 <= 0 ? 0 : (p0 - n_fft + hop) / hop;
        long mb = (p1 - 1) / hop < j->N - 1 ? (p1 - 1) / hop : j->N - 1;
        long base = ma * hop;
        float buf[KK_ISTFT_SAMPLES + 2 * KK_MAX_NFFT], env[KK_ISTFT_SAMPLES + 2 * KK_MAX_NFFT];
        size_t span = (size_t)(mb * hop + n_fft - base);
        memset(buf, 0, sizeof(float) * span);
        memset(env, 0, sizeof(float) * span);
        for (long m = ma; m <= mb; m++) {
            double re[KK_MAX_NFFT / 2 + 1], im[KK_MAX_NFFT / 2 + 1], v[KK_MAX_NFFT];
            for (int k = 0; k <= half; k++) {
                float mg = j->mag[(size_t)k * j->N + m], ph = j->phase[(size_t)k * j->N + m];
                re[k] = mg * cosf(ph);
                im[k] = (k == 0 || k == half) ? 0.0 : mg * sinf(ph);
            }
            for (int n = 0; n < n_fft; n++)
                v[n] = 0.0;
            for (int k = 0; k <= half; k++)
                for (int n = 0; n < n_fft; n++)
                    v[n] += re[k] * j->cs[k][n] + im[k] * j->sn[k][n];
            float *b = buf + (m * hop - base), *e = env + (m * hop - base);
            for (int n = 0; n < n_fft; n++) {
                b[n] += (float)(v[n] * j->w[n]);
                e[n] += (float)(j->w[n] * j->w[n]);
            }
        }
        for (size_t q = q0; q < q1; q++)
            j->y[q] = buf[q + half - base] / env[q + half - base];
    }
}

void kk_istft(const float *mag, const float *phase, int N, int n_fft, int hop, float *y,
              int threads)
{
    istft_job j = {mag, phase, y, N, n_fft, hop, (size_t)hop * (N - 1), {0}, {{0}}, {{0}}};
    int half = n_fft / 2;
    hann(n_fft, j.w);
    for (int k = 0; k <= half; k++) {
        double scale = (k == 0 || k == half) ? 1.0 : 2.0;
        for (int n = 0; n < n_fft; n++) {
            double a = 2.0 * M_PI * (double)((k * n) % n_fft) / n_fft;
            j.cs[k][n] = scale * cos(a) / n_fft;
            j.sn[k][n] = -scale * sin(a) / n_fft;
        }
    }
    int blocks = (int)((j.Lout + KK_ISTFT_SAMPLES - 1) / KK_ISTFT_SAMPLES);
    kk_parallel_for(threads, blocks, istft_blocks, &j);
}
