/* Loading the embedded Mandarin tables into lookup structures, once per process. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text/zh/zh_internal.h"
#include "util/error.h"

#define KK_ZH_MIN_FLOAT (-3.14e100) /* jieba's log-probability for what it never saw */

static uint64_t hash(const char *s, size_t n) { return kk_fnv1a(s, n); }

static int map_init(kk_zh_map *m, const char *base, size_t keys)
{
    size_t cap = 1024;
    while (cap < keys * 4 / 3)
        cap <<= 1;
    m->base = base;
    m->slot = calloc(cap, sizeof *m->slot);
    m->mask = cap - 1;
    m->n = 0;
    return m->slot != NULL;
}

/* Inserts key (off, len); overwrite = 0 keeps an existing value. Returns 0 when full. */
static int map_put(kk_zh_map *m, uint32_t off, size_t len, uint32_t value, int overwrite)
{
    size_t i = (size_t)hash(m->base + off, len) & m->mask;
    for (size_t probes = 0; probes <= m->mask; probes++, i = (i + 1) & m->mask) {
        kk_zh_slot *s = &m->slot[i];
        if (!s->meta) {
            if (4 * (m->n + 1) > 3 * (m->mask + 1))
                return 0; /* keep probes short: at most three quarters full */
            s->off = off;
            s->meta = value << 8 | (uint32_t)len;
            m->n++;
            return 1;
        }
        if ((s->meta & 0xFF) == len && memcmp(m->base + s->off, m->base + off, len) == 0) {
            if (overwrite)
                s->meta = value << 8 | (uint32_t)len;
            return 1;
        }
    }
    return 0;
}

const kk_zh_slot *kk_zh_map_get(const kk_zh_map *m, const char *key, size_t len)
{
    if (!m->slot || len == 0 || len > 0xFF)
        return NULL;
    size_t i = (size_t)hash(key, len) & m->mask;
    for (;;) {
        const kk_zh_slot *s = &m->slot[i];
        if (!s->meta)
            return NULL;
        if ((s->meta & 0xFF) == len && memcmp(m->base + s->off, key, len) == 0)
            return s;
        i = (i + 1) & m->mask;
    }
}

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* Every key is made of 3-byte characters; its proper prefixes become keys with value 0 unless
 * present (jieba's gen_pfdict and pypinyin's PrefixSet). */
static int add_prefixes(kk_zh_map *m, uint32_t off, size_t len)
{
    for (size_t l = 3; l < len; l += 3)
        if (!map_put(m, off, l, 0, 0))
            return 0;
    return 1;
}

static int load_jieba(kk_zh *z)
{
    size_t n;
    const char *s = kk_zh_blob(KK_ZH_BLOB_JIEBA, &n);
    char *end;
    unsigned long long total = strtoull(s, &end, 10);
    if (total == 0 || *end != '\n')
        return 0;
    z->log_total = log((double)total);
    /* Keys plus their derived prefixes: about 1.45 times the listed keys. */
    if (!map_init(&z->freq, s, count_lines(s, n) * 3 / 2))
        return 0;
    size_t i = (size_t)(end - s) + 1;
    while (i < n) {
        size_t t = i;
        while (t < n && s[t] != '\t')
            t++;
        size_t nl = t;
        while (nl < n && s[nl] != '\n')
            nl++;
        if (t >= n || t == i || (t - i) % 3 || t - i > 0xFF)
            return 0;
        unsigned long f = strtoul(s + t + 1, NULL, 10);
        if (f >= 1ul << 24)
            return 0;
        if (!map_put(&z->freq, (uint32_t)i, t - i, (uint32_t)f, 1) || !add_prefixes(&z->freq, (uint32_t)i, t - i))
            return 0;
        i = nl + 1;
    }
    return 1;
}

static int state_of(char c)
{
    switch (c) {
    case 'B': return KK_ZH_B;
    case 'E': return KK_ZH_E;
    case 'M': return KK_ZH_M;
    case 'S': return KK_ZH_S;
    default: return -1;
    }
}

static int load_hmm(kk_zh *z)
{
    size_t n;
    const char *s = kk_zh_blob(KK_ZH_BLOB_HMM, &n);
    z->emit = malloc(4 * (size_t)KK_ZH_N_EMIT * sizeof *z->emit);
    if (!z->emit)
        return 0;
    for (size_t i = 0; i < 4 * (size_t)KK_ZH_N_EMIT; i++)
        z->emit[i] = KK_ZH_MIN_FLOAT;
    for (int a = 0; a < 4; a++) {
        z->start[a] = KK_ZH_MIN_FLOAT;
        for (int b = 0; b < 4; b++)
            z->trans[a][b] = KK_ZH_MIN_FLOAT;
    }
    size_t i = 0;
    while (i < n) {
        /* STATE \t KIND \t KEY \t BITS \n */
        const char *f[4];
        size_t k = 0, j = i;
        f[k++] = s + j;
        while (j < n && s[j] != '\n') {
            if (s[j] == '\t' && k < 4)
                f[k++] = s + j + 1;
            j++;
        }
        if (k != 4)
            return 0;
        int st = state_of(f[0][0]);
        uint64_t bits = strtoull(f[3], NULL, 16);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (st < 0)
            return 0;
        if (f[1][0] == 's')
            z->start[st] = v;
        else if (f[1][0] == 't') {
            int to = state_of(f[2][0]);
            if (to < 0)
                return 0;
            z->trans[st][to] = v;
        } else {
            unsigned long cp = strtoul(f[2], NULL, 16);
            if (cp < KK_ZH_HAN_FIRST || cp > KK_ZH_BLOCK_LAST)
                return 0;
            z->emit[(size_t)st * KK_ZH_N_EMIT + (cp - KK_ZH_HAN_FIRST)] = v;
        }
        i = j + 1;
    }
    return 1;
}

static int load_phrases(kk_zh *z)
{
    size_t n;
    const char *s = kk_zh_blob(KK_ZH_BLOB_PHRASES, &n);
    z->phr_base = s;
    if (n >= 1u << 24 || !map_init(&z->phrases, s, count_lines(s, n) * 2))
        return 0;
    size_t i = 0;
    while (i < n) {
        size_t t = i;
        while (t < n && s[t] != '\t')
            t++;
        size_t nl = t;
        while (nl < n && s[nl] != '\n')
            nl++;
        if (t >= n || t == i || (t - i) % 3 || t - i > 0xFF)
            return 0;
        if (!map_put(&z->phrases, (uint32_t)i, t - i, (uint32_t)(t + 2), 1) ||
            !add_prefixes(&z->phrases, (uint32_t)i, t - i))
            return 0;
        i = nl + 1;
    }
    return 1;
}

static int load_chars(kk_zh *z)
{
    size_t n;
    const char *s = kk_zh_blob(KK_ZH_BLOB_CHARS, &n);
    z->chr_base = s;
    z->chars = calloc(KK_ZH_HAN_LAST - KK_ZH_HAN_FIRST + 1, sizeof *z->chars);
    if (!z->chars)
        return 0;
    size_t i = 0;
    while (i < n) {
        char *e;
        unsigned long cp = strtoul(s + i, &e, 16);
        if (*e != '\t' || cp < KK_ZH_HAN_FIRST || cp > KK_ZH_HAN_LAST)
            return 0;
        z->chars[cp - KK_ZH_HAN_FIRST] = (uint32_t)(e - s) + 2;
        while (i < n && s[i] != '\n')
            i++;
        i++;
    }
    return 1;
}

kk_zh *kk_zh_new(kokoro_error *err)
{
    kk_zh *z = calloc(1, sizeof *z);
    if (!z) {
        kk_fail(err, KOKORO_ERR_NO_MEMORY, "Mandarin G2P: out of memory");
        return NULL;
    }
    if (!load_jieba(z) || !load_hmm(z) || !load_phrases(z) || !load_chars(z)) {
        kk_zh_free(z);
        kk_fail(err, KOKORO_ERR_NO_MEMORY, "Mandarin G2P: cannot build the tables (out of memory or bad data)");
        return NULL;
    }
    return z;
}

void kk_zh_free(kk_zh *z)
{
    if (!z)
        return;
    free(z->freq.slot);
    free(z->phrases.slot);
    free(z->emit);
    free(z->chars);
    free(z);
}
