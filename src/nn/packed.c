/* kk_buf: reading and writing activations in float32 or packed 24-bit storage (see nn.h). */
#include <string.h>

#include "nn/nn.h"
#include "nn/parallel.h"

kk_buf kk_buf_f32(float *x, int C, int L)
{
    kk_buf a = {x, NULL, NULL, C, L};
    return a;
}

size_t kk_buf_packed_bytes(int C, int L)
{
    return (size_t)C * L * 3;
}

kk_buf kk_buf_packed(void *mem, int C, int L)
{
    kk_buf a = {NULL, mem, (uint8_t *)mem + (size_t)C * L * 2, C, L};
    return a;
}

static inline float unpack(uint16_t hi, uint8_t lo)
{
    uint32_t u = (uint32_t)hi << 16 | (uint32_t)lo << 8;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Round to nearest on bit 8 (ties away from zero in magnitude; a carry into the exponent is the
 * correct rounding up to the next binade). */
static inline void pack(float v, uint16_t *hi, uint8_t *lo)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    u += 0x80u;
    *hi = (uint16_t)(u >> 16);
    *lo = (uint8_t)(u >> 8);
}

void kk_buf_read(const kk_buf *a, int c, long t0, int n, float *dst)
{
    size_t o = (size_t)c * a->L + (size_t)t0;
    if (a->f32) {
        memcpy(dst, a->f32 + o, sizeof(float) * (size_t)n);
        return;
    }
    const uint16_t *hi = a->hi + o;
    const uint8_t *lo = a->lo + o;
    for (int i = 0; i < n; i++)
        dst[i] = unpack(hi[i], lo[i]);
}

#define KK_PRE_CHUNK 256

void kk_buf_read_pre(const kk_buf *a, const kk_pre *pre, int c, long t0, int n, float *dst)
{
    if (!pre) {
        kk_buf_read(a, c, t0, n, dst);
        return;
    }
    /* Callers go through the channels in order, reading each row's span straight from memory
     * (stage buffers are far larger than the caches): the same span of the next row is fetched
     * a line per 16 values processed here, so it arrives while this one is worked on. */
    size_t o = (size_t)c * a->L + (size_t)t0;
    int next = c + 1 < a->C;
    if (a->f32) {
        const float *src = a->f32 + o;
        for (int i = 0; i < n; i += KK_PRE_CHUNK) {
            int m = n - i < KK_PRE_CHUNK ? n - i : KK_PRE_CHUNK;
            for (int l = 0; next && l < m; l += 16)
                __builtin_prefetch(src + a->L + i + l, 0, 3);
            kk_apply_pre_row(pre, c, src + i, dst + i, m);
        }
        return;
    }
    float tmp[KK_PRE_CHUNK];
    for (int i = 0; i < n; i += KK_PRE_CHUNK) {
        int m = n - i < KK_PRE_CHUNK ? n - i : KK_PRE_CHUNK;
        for (int l = 0; next && l < m; l += 32)
            __builtin_prefetch(a->hi + o + a->L + i + l, 0, 3);
        for (int l = 0; next && l < m; l += 64)
            __builtin_prefetch(a->lo + o + a->L + i + l, 0, 3);
        kk_buf_read(a, c, t0 + i, m, tmp);
        kk_apply_pre_row(pre, c, tmp, dst + i, m);
    }
}

void kk_buf_read_pre_padded(const kk_buf *a, const kk_pre *pre, int c, long lo, size_t span,
                            float *dst)
{
    long s = lo < 0 ? 0 : lo, e = lo + (long)span;
    if (e > a->L)
        e = a->L;
    if (e <= s) {
        memset(dst, 0, sizeof(float) * span);
        return;
    }
    size_t left = (size_t)(s - lo), mid = (size_t)(e - s);
    memset(dst, 0, sizeof(float) * left);
    kk_buf_read_pre(a, pre, c, s, (int)mid, dst + left);
    memset(dst + left + mid, 0, sizeof(float) * (span - left - mid));
}

void kk_buf_write(kk_buf *a, int c, long t0, int n, const float *src)
{
    size_t o = (size_t)c * a->L + (size_t)t0;
    if (a->f32) {
        memcpy(a->f32 + o, src, sizeof(float) * (size_t)n);
        return;
    }
    uint16_t *hi = a->hi + o;
    uint8_t *lo = a->lo + o;
    for (int i = 0; i < n; i++)
        pack(src[i], &hi[i], &lo[i]);
}

void kk_buf_add(kk_buf *a, int c, long t0, int n, const float *src)
{
    size_t o = (size_t)c * a->L + (size_t)t0;
    if (a->f32) {
        float *d = a->f32 + o;
        for (int i = 0; i < n; i++)
            d[i] += src[i];
        return;
    }
    uint16_t *hi = a->hi + o;
    uint8_t *lo = a->lo + o;
    for (int i = 0; i < n; i++)
        pack(unpack(hi[i], lo[i]) + src[i], &hi[i], &lo[i]);
}

typedef struct {
    kk_buf *dst;
    const kk_buf *src;
    float divisor;
    int sum;
} pass_job;

#define KK_PASS_COLS 2048

static void pass_rows(void *p, int r0, int r1, int worker)
{
    const pass_job *j = p;
    float a[KK_PASS_COLS], b[KK_PASS_COLS];
    int L = j->dst->L;
    (void)worker;
    if (j->dst->f32 && j->src->f32) {
        size_t i0 = (size_t)r0 * L, i1 = (size_t)r1 * L;
        float *d = j->dst->f32;
        const float *s = j->src->f32;
        if (!j->sum)
            memcpy(d + i0, s + i0, sizeof(float) * (i1 - i0));
        else if (j->divisor == 1.0f)
            for (size_t i = i0; i < i1; i++)
                d[i] += s[i];
        else
            for (size_t i = i0; i < i1; i++)
                d[i] = (d[i] + s[i]) / j->divisor;
        return;
    }
    for (int c = r0; c < r1; c++)
        for (long t = 0; t < L; t += KK_PASS_COLS) {
            int n = L - t < KK_PASS_COLS ? (int)(L - t) : KK_PASS_COLS;
            kk_buf_read(j->src, c, t, n, b);
            if (j->sum) {
                kk_buf_read(j->dst, c, t, n, a);
                for (int i = 0; i < n; i++)
                    a[i] = j->divisor == 1.0f ? a[i] + b[i] : (a[i] + b[i]) / j->divisor;
                kk_buf_write(j->dst, c, t, n, a);
            } else {
                kk_buf_write(j->dst, c, t, n, b);
            }
        }
}

void kk_buf_copy(kk_buf *dst, const kk_buf *src, int threads)
{
    pass_job j = {dst, src, 1.0f, 0};
    kk_parallel_for(threads, dst->C, pass_rows, &j);
}

void kk_buf_sum(kk_buf *dst, const kk_buf *src, float divisor, int threads)
{
    pass_job j = {dst, src, divisor, 1};
    kk_parallel_for(threads, dst->C, pass_rows, &j);
}
