/* jieba 0.42.1 lcut(run) in precise mode with HMM, for runs of U+4E00..U+9FFF: dictionary DAG,
 * best route by log frequency, and the finalseg Viterbi for unknown runs of single characters.
 * Doubles, glibc log() and Python's evaluation order and tie rules are kept, so that the rare
 * near-ties resolve as in the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text/zh/zh_internal.h"

#define KK_ZH_MAX_WORD 16 /* longest dictionary word, in characters */

static uint32_t cp_at(const char *s, size_t k)
{
    const unsigned char *u = (const unsigned char *)s + 3 * k;
    return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
}

static int freq_of(const kk_zh *z, const char *s, size_t a, size_t b, uint32_t *f)
{
    const kk_zh_slot *sl = kk_zh_map_get(&z->freq, s + 3 * a, 3 * (b - a));
    if (!sl)
        return 0;
    *f = sl->meta >> 8;
    return 1;
}

/* finalseg.cut on buf (chars [a, b) of s, all inside jieba's blocks). */
static int hmm(const kk_zh *z, const char *s, size_t a, size_t b, kk_zh_word_fn emit, void *ctx)
{
    static const int prev[4][2] = {[KK_ZH_B] = {KK_ZH_E, KK_ZH_S},
                                   [KK_ZH_M] = {KK_ZH_M, KK_ZH_B},
                                   [KK_ZH_S] = {KK_ZH_S, KK_ZH_E},
                                   [KK_ZH_E] = {KK_ZH_B, KK_ZH_M}};
    size_t n = b - a;
    double *v = malloc(n * 4 * sizeof *v);
    unsigned char *from = malloc(n * 4), *path = malloc(n);
    if (!v || !from || !path) {
        free(v);
        free(from);
        free(path);
        return 0;
    }
    const double *em = z->emit;
    for (int y = 0; y < 4; y++)
        v[y] = z->start[y] + em[(size_t)y * KK_ZH_N_EMIT + (cp_at(s, a) - KK_ZH_HAN_FIRST)];
    for (size_t t = 1; t < n; t++) {
        size_t c = cp_at(s, a + t) - KK_ZH_HAN_FIRST;
        /* jieba visits the states in the order B M E S; each max is over its own tuple list */
        for (int y = 0; y < 4; y++) {
            double e = em[(size_t)y * KK_ZH_N_EMIT + c];
            int best = -1;
            double bp = 0;
            for (int k = 0; k < 2; k++) {
                int y0 = prev[y][k];
                double p = v[(t - 1) * 4 + y0] + z->trans[y0][y] + e;
                /* tuple max: a tie goes to the larger state letter */
                if (best < 0 || p > bp || (p == bp && y0 > best)) {
                    bp = p;
                    best = y0;
                }
            }
            v[t * 4 + y] = bp;
            from[t * 4 + y] = (unsigned char)best;
        }
    }
    double pe = v[(n - 1) * 4 + KK_ZH_E], ps = v[(n - 1) * 4 + KK_ZH_S];
    int st = ps >= pe ? KK_ZH_S : KK_ZH_E;
    for (size_t t = n; t-- > 0;) {
        path[t] = (unsigned char)st;
        if (t)
            st = from[t * 4 + st];
    }
    size_t begin = 0, next = 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (path[i] == KK_ZH_B)
            begin = i;
        else if (path[i] == KK_ZH_E) {
            ok = emit(ctx, a + begin, i + 1 - begin);
            next = i + 1;
        } else if (path[i] == KK_ZH_S) {
            ok = emit(ctx, a + i, 1);
            next = i + 1;
        }
    }
    if (ok && next < n)
        ok = emit(ctx, a + next, n - next);
    free(v);
    free(from);
    free(path);
    return ok;
}

/* Flushes the pending single characters [a, b). */
static int flush(const kk_zh *z, const char *s, size_t a, size_t b, kk_zh_word_fn emit, void *ctx)
{
    if (b == a)
        return 1;
    if (b - a == 1)
        return emit(ctx, a, 1);
    uint32_t f = 0;
    if (!freq_of(z, s, a, b, &f) || f == 0)
        return hmm(z, s, a, b, emit, ctx);
    for (size_t i = a; i < b; i++)
        if (!emit(ctx, i, 1))
            return 0;
    return 1;
}

/* __cut_DAG over one block: chars [a, b) of s. */
static int cut_block(const kk_zh *z, const char *s, size_t a, size_t b, kk_zh_word_fn emit, void *ctx)
{
    size_t n = b - a;
    double *val = malloc((n + 1) * sizeof *val);
    size_t *to = malloc((n + 1) * sizeof *to);
    if (!val || !to) {
        free(val);
        free(to);
        return 0;
    }
    val[n] = 0;
    to[n] = 0;
    for (size_t k = n; k-- > 0;) {
        /* DAG[k]: ends i where s[k..i] is a word with a non-zero frequency; k itself if none */
        size_t ends[KK_ZH_MAX_WORD + 1];
        size_t ne = 0;
        for (size_t i = k; i < n && ne <= KK_ZH_MAX_WORD; i++) {
            uint32_t f;
            if (!freq_of(z, s, a + k, a + i + 1, &f))
                break;
            if (f)
                ends[ne++] = i;
        }
        if (!ne)
            ends[ne++] = k;
        int first = 1;
        for (size_t j = 0; j < ne; j++) {
            size_t x = ends[j];
            uint32_t f = 0;
            freq_of(z, s, a + k, a + x + 1, &f);
            double p = log((double)(f ? f : 1)) - z->log_total + val[x + 1];
            if (first || p > val[k] || (p == val[k] && x > to[k])) {
                val[k] = p;
                to[k] = x;
                first = 0;
            }
        }
    }
    size_t x = 0, buf = 0;
    int ok = 1;
    while (x < n && ok) {
        size_t y = to[x] + 1;
        if (y - x > 1) {
            ok = flush(z, s, a + buf, a + x, emit, ctx) && emit(ctx, a + x, y - x);
            buf = y;
        }
        x = y;
    }
    if (ok)
        ok = flush(z, s, a + buf, a + n, emit, ctx);
    free(val);
    free(to);
    return ok;
}

int kk_zh_cut(const kk_zh *z, const char *run, size_t nchars, kk_zh_word_fn emit, void *ctx)
{
    size_t i = 0;
    while (i < nchars) {
        /* U+9FD6..U+9FFF are outside jieba's block pattern: each is a word of its own */
        if (cp_at(run, i) > KK_ZH_BLOCK_LAST) {
            if (!emit(ctx, i, 1))
                return 0;
            i++;
            continue;
        }
        size_t j = i;
        while (j < nchars && cp_at(run, j) <= KK_ZH_BLOCK_LAST)
            j++;
        if (!cut_block(z, run, i, j, emit, ctx))
            return 0;
        i = j;
    }
    return 1;
}
