#include <math.h>
#include <string.h>

#include "nn/nn.h"

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

void kk_stft(const float *x, int L, int n_fft, int hop, float *mag, float *phase)
{
    int nb = n_fft / 2 + 1, half = n_fft / 2, N = kk_stft_frames(L, hop);
    double w[KK_MAX_NFFT], cs[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT], sn[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT];
    hann(n_fft, w);
    for (int k = 0; k < nb; k++)
        for (int n = 0; n < n_fft; n++) {
            double a = 2.0 * M_PI * (double)((k * n) % n_fft) / n_fft;
            cs[k][n] = cos(a) * w[n];
            sn[k][n] = -sin(a) * w[n];
        }
    for (int m = 0; m < N; m++) {
        float frame[KK_MAX_NFFT];
        for (int n = 0; n < n_fft; n++) {
            long p = (long)m * hop + n - half; /* index into x, reflected at both ends */
            if (p < 0)
                p = -p;
            if (p >= L)
                p = 2 * (long)(L - 1) - p;
            frame[n] = x[p];
        }
        for (int k = 0; k < nb; k++) {
            double re = 0.0, im = 0.0;
            for (int n = 0; n < n_fft; n++) {
                re += cs[k][n] * frame[n];
                im += sn[k][n] * frame[n];
            }
            /* A real FFT's DC and Nyquist bins have an exactly zero imaginary part. */
            if (k == 0 || k == half)
                im = 0.0;
            float fr = (float)re, fi = (float)im;
            mag[(size_t)k * N + m] = sqrtf(fr * fr + fi * fi);
            phase[(size_t)k * N + m] = atan2f(fi, fr);
        }
    }
}

size_t kk_istft_scratch(int N, int n_fft, int hop)
{
    return 2 * ((size_t)n_fft + (size_t)hop * (N - 1));
}

void kk_istft(const float *mag, const float *phase, int N, int n_fft, int hop, float *y,
              float *scratch)
{
    int nb = n_fft / 2 + 1, half = n_fft / 2;
    size_t len = (size_t)n_fft + (size_t)hop * (N - 1);
    float *buf = scratch, *env = scratch + len;
    memset(scratch, 0, sizeof(float) * 2 * len);
    double w[KK_MAX_NFFT], cs[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT], sn[KK_MAX_NFFT / 2 + 1][KK_MAX_NFFT];
    hann(n_fft, w);
    for (int k = 0; k < nb; k++) {
        double scale = (k == 0 || k == half) ? 1.0 : 2.0;
        for (int n = 0; n < n_fft; n++) {
            double a = 2.0 * M_PI * (double)((k * n) % n_fft) / n_fft;
            cs[k][n] = scale * cos(a) / n_fft;
            sn[k][n] = -scale * sin(a) / n_fft;
        }
    }
    for (int m = 0; m < N; m++) {
        double re[KK_MAX_NFFT / 2 + 1], im[KK_MAX_NFFT / 2 + 1];
        for (int k = 0; k < nb; k++) {
            float mg = mag[(size_t)k * N + m], ph = phase[(size_t)k * N + m];
            re[k] = mg * cosf(ph);
            im[k] = (k == 0 || k == half) ? 0.0 : mg * sinf(ph);
        }
        float *b = buf + (size_t)m * hop;
        for (int n = 0; n < n_fft; n++) {
            double v = 0.0;
            for (int k = 0; k < nb; k++)
                v += re[k] * cs[k][n] + im[k] * sn[k][n];
            b[n] += (float)(v * w[n]);
            env[(size_t)m * hop + n] += (float)(w[n] * w[n]);
        }
    }
    size_t Lout = (size_t)hop * (N - 1);
    for (size_t q = 0; q < Lout; q++)
        y[q] = buf[q + half] / env[q + half];
}
