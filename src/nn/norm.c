#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"
#include "nn/simd.h"

void kk_layernorm_rows(const float *x, int n, int C, const float *gamma, const float *beta,
                       float eps, float *y)
{
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * C;
        float *o = y + (size_t)i * C;
        double s = 0.0;
        for (int c = 0; c < C; c++)
            s += r[c];
        float mean = (float)(s / C);
        double v = 0.0;
        for (int c = 0; c < C; c++) {
            float d = r[c] - mean;
            v += (double)d * d;
        }
        float inv = (float)(1.0 / sqrt(v / C + eps));
        for (int c = 0; c < C; c++) {
            float t = (r[c] - mean) * inv;
            if (gamma)
                t = t * gamma[c];
            if (beta)
                t = t + beta[c];
            o[c] = t;
        }
    }
}

/* Double sums in 8 independent lanes, lane u taking elements u, u + 8, ... (a single
 * accumulator is a serial dependency chain). Written with vector types: left to itself, the
 * compiler pairs each lane's two sums into one 2-double register and converts one float at a
 * time (measured 4.5 cycles per element in moments8, against about 0.5 now). */
typedef double kk_v8d __attribute__((vector_size(64)));
typedef float kk_v8f __attribute__((vector_size(32)));

/* (macros: a function passing these by value would change its ABI between the ISA clones) */
#define LOAD8F(v, r) memcpy(&(v), (r), sizeof(v))
#define LANES_TOTAL(a) (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])))

KK_SIMD_CLONES
static double sum8(const float *r, int L)
{
    kk_v8d acc = {0};
    int t = 0;
    for (; t + 8 <= L; t += 8) {
        kk_v8f v;
        LOAD8F(v, r + t);
        acc += __builtin_convertvector(v, kk_v8d);
    }
    double s = 0.0;
    for (; t < L; t++)
        s += r[t];
    return s + LANES_TOTAL(acc);
}

KK_SIMD_CLONES
static double sqdev8(const float *r, int L, float m)
{
    kk_v8d acc = {0};
    int t = 0;
    for (; t + 8 <= L; t += 8) {
        kk_v8f v;
        LOAD8F(v, r + t);
        kk_v8f d = v - m;
        acc += __builtin_convertvector(d * d, kk_v8d);
    }
    double s = 0.0;
    for (; t < L; t++) {
        float d = r[t] - m;
        s += (double)(d * d);
    }
    return s + LANES_TOTAL(acc);
}

KK_SIMD_CLONES
static void moments8(const float *r, int n, double *sums)
{
    kk_v8d a = {0}, b = {0};
    int t = 0;
    for (; t + 8 <= n; t += 8) {
        kk_v8f f;
        LOAD8F(f, r + t);
        kk_v8d v = __builtin_convertvector(f, kk_v8d);
        a += v;
        b += v * v;
    }
    double s = 0.0, q = 0.0;
    for (; t < n; t++) {
        s += r[t];
        q += (double)r[t] * r[t];
    }
    sums[0] += s + LANES_TOTAL(a);
    sums[1] += q + LANES_TOTAL(b);
}

void kk_buf_row_moments(const kk_buf *a, int c, long t0, int n, const float *stored, float *tmp,
                        double *sums)
{
    const float *r = tmp;
    if (a->f32)
        r = stored ? stored : a->f32 + (size_t)c * a->L + t0;
    else
        kk_buf_read(a, c, t0, n, tmp);
    sums[0] = sums[1] = 0.0;
    moments8(r, n, sums);
}

void kk_moments_add_parts(const double *parts, int n_parts, int C, double *sums)
{
    for (int u = 0; u < n_parts; u++)
        for (size_t i = 0; i < 2 * (size_t)C; i++)
            sums[i] += parts[(size_t)u * 2 * C + i];
}

void kk_instance_stats_moments(const double *sums, int C, long L, float eps, float *mean,
                               float *invstd)
{
    for (int c = 0; c < C; c++) {
        double m = sums[2 * c] / (double)L, v = sums[2 * c + 1] / (double)L - m * m;
        mean[c] = (float)m;
        invstd[c] = (float)(1.0 / sqrt((v > 0.0 ? v : 0.0) + eps));
    }
}

typedef struct {
    const kk_buf *x;
    float eps;
    float *mean, *invstd;
} stats_job;

#define KK_STATS_COLS 2048

static void stats_channels(void *p, int c0, int c1, int worker)
{
    const stats_job *j = p;
    const kk_buf *x = j->x;
    int L = x->L;
    float buf[KK_STATS_COLS];
    (void)worker;
    for (int c = c0; c < c1; c++) {
        double v;
        float m;
        if (x->f32) {
            const float *r = x->f32 + (size_t)c * L;
            m = (float)(sum8(r, L) / L);
            v = sqdev8(r, L, m);
        } else {
            /* packed rows are read in pieces; the sums are the same double sums */
            double s = 0.0;
            for (long t = 0; t < L; t += KK_STATS_COLS) {
                int n = L - t < KK_STATS_COLS ? (int)(L - t) : KK_STATS_COLS;
                kk_buf_read(x, c, t, n, buf);
                s += sum8(buf, n);
            }
            m = (float)(s / L);
            v = 0.0;
            for (long t = 0; t < L; t += KK_STATS_COLS) {
                int n = L - t < KK_STATS_COLS ? (int)(L - t) : KK_STATS_COLS;
                kk_buf_read(x, c, t, n, buf);
                v += sqdev8(buf, n, m);
            }
        }
        j->mean[c] = m;
        j->invstd[c] = (float)(1.0 / sqrt(v / L + j->eps));
    }
}

void kk_instance_stats_buf(const kk_buf *x, float eps, float *mean, float *invstd, int threads)
{
    stats_job j = {x, eps, mean, invstd};
    kk_parallel_for((long)x->C * x->L < 65536 ? 1 : threads, x->C, stats_channels, &j);
}

void kk_instance_stats(const float *x, int C, int L, float eps, float *mean, float *invstd,
                       int threads)
{
    kk_buf b = kk_buf_f32((float *)x, C, L);
    kk_instance_stats_buf(&b, eps, mean, invstd, threads);
}

void kk_adain_fold(int C, const float *gb, const float *norm_w, const float *norm_b, float *scale,
                   float *shift)
{
    for (int c = 0; c < C; c++) {
        float mean = shift[c];
        float a = scale[c] * (norm_w ? norm_w[c] : 1.0f);
        float b0 = (norm_b ? norm_b[c] : 0.0f) - mean * a;
        float g1 = 1.0f + gb[c];
        scale[c] = g1 * a;
        shift[c] = g1 * b0 + gb[C + c];
    }
}

void kk_adain_coeffs_buf(const kk_buf *x, const float *gb, const float *norm_w,
                         const float *norm_b, float *scale, float *shift, int threads)
{
    kk_instance_stats_buf(x, 1e-5f, shift, scale, threads);
    kk_adain_fold(x->C, gb, norm_w, norm_b, scale, shift);
}

void kk_adain_coeffs(const float *x, int C, int L, const float *gb, const float *norm_w,
                     const float *norm_b, float *scale, float *shift, int threads)
{
    kk_buf b = kk_buf_f32((float *)x, C, L);
    kk_adain_coeffs_buf(&b, gb, norm_w, norm_b, scale, shift, threads);
}
