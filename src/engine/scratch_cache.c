#include "engine/scratch_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define KK_MAX_KEPT 32
#define KK_GRAIN ((size_t)1 << 20) /* sizes from 1 MiB up are rounded to whole MiB */
#define KK_DEFAULT_CAP_MB 256
/* a cache holding up to min(cap / 6, 16 MiB) keeps it on a miss */
#define KK_KEEP_BESIDE_DIV 6
#define KK_KEEP_BESIDE_MAX ((size_t)16 << 20)

struct kk_scratch_cache {
    pthread_mutex_t mu;
    size_t cap, max_region, bytes;
    int n;
    struct {
        void *p;
        size_t size;
    } kept[KK_MAX_KEPT];
};

size_t kk_scratch_cache_default_cap(void)
{
    const char *e = getenv("KOKORO_SCRATCH_CACHE_MB");
    if (e && *e) {
        char *end;
        long mb = strtol(e, &end, 10);
        if (!*end && mb >= 0)
            return (size_t)mb << 20;
    }
    return (size_t)KK_DEFAULT_CAP_MB << 20;
}

kk_scratch_cache *kk_scratch_cache_new(size_t cap_bytes, size_t max_region)
{
    kk_scratch_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->cap = cap_bytes;
    c->max_region = max_region;
    return c;
}

/* Empties the cache under the lock; the unmapping happens after, outside it. */
static int take_all(kk_scratch_cache *c, void **p, size_t *size)
{
    pthread_mutex_lock(&c->mu);
    int n = c->n;
    for (int i = 0; i < n; i++) {
        p[i] = c->kept[i].p;
        size[i] = c->kept[i].size;
    }
    c->n = 0;
    c->bytes = 0;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void kk_scratch_cache_flush(kk_scratch_cache *c)
{
    if (!c)
        return;
    void *p[KK_MAX_KEPT];
    size_t size[KK_MAX_KEPT];
    int n = take_all(c, p, size);
    for (int i = 0; i < n; i++)
        munmap(p[i], size[i]);
}

void kk_scratch_cache_free(kk_scratch_cache *c)
{
    if (!c)
        return;
    kk_scratch_cache_flush(c);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

size_t kk_scratch_cache_bytes(kk_scratch_cache *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    size_t b = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return b;
}

static size_t rounded(size_t bytes)
{
    size_t grain = bytes >= KK_GRAIN ? KK_GRAIN : 4096;
    return (bytes + grain - 1) / grain * grain;
}

/* Takes the smallest kept region that fits want without wasting more than a quarter of it;
 * NULL if none (never for want > max_region: nothing that large is kept). */
static void *take_fit(kk_scratch_cache *c, size_t want, size_t *size)
{
    void *p = NULL;
    pthread_mutex_lock(&c->mu);
    int best = -1;
    for (int i = 0; i < c->n; i++)
        if (c->kept[i].size >= want && c->kept[i].size - want <= want / 4 &&
            (best < 0 || c->kept[i].size < c->kept[best].size))
            best = i;
    if (best >= 0) {
        p = c->kept[best].p;
        *size = c->kept[best].size;
        c->bytes -= c->kept[best].size;
        c->kept[best] = c->kept[--c->n];
    }
    pthread_mutex_unlock(&c->mu);
    return p;
}

void *kk_region_map(kk_scratch_cache *c, size_t *bytes, int zero)
{
    size_t want = rounded(*bytes ? *bytes : 1);
    if (c && c->cap) {
        void *p = take_fit(c, want, bytes);
        if (p) {
            if (zero)
                memset(p, 0, *bytes);
            return p;
        }
        /* a miss (another size of call, or a long utterance's stage buffer): what is kept was
         * shaped for other calls; it goes back rather than stay mapped beside the new region.
         * Unless it is little (KK_KEEP_BESIDE_DIV): a call's stages use buffers of different sizes,
         * so a short call's first-stage buffers, freed, stay over its second stage (raising its
         * peak by that much at most) for the next call, which else faults them in again
         * (measured: -2-6 % on a 1.5-second input, +5 MiB on its peak). */
        pthread_mutex_lock(&c->mu);
        size_t beside = c->cap / KK_KEEP_BESIDE_DIV;
        beside = beside < KK_KEEP_BESIDE_MAX ? beside : KK_KEEP_BESIDE_MAX;
        int keep = c->bytes <= beside && c->bytes + want <= c->cap && want <= c->max_region;
        pthread_mutex_unlock(&c->mu);
        if (!keep)
            kk_scratch_cache_flush(c);
    }
    void *p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    *bytes = want;
    return p;
}

void kk_region_unmap(kk_scratch_cache *c, void *p, size_t bytes)
{
    if (!p)
        return;
    if (c && c->cap && bytes <= c->max_region) {
        int kept = 0;
        pthread_mutex_lock(&c->mu);
        if (c->n < KK_MAX_KEPT && c->bytes + bytes <= c->cap) {
            c->kept[c->n].p = p;
            c->kept[c->n].size = bytes;
            c->n++;
            c->bytes += bytes;
            kept = 1;
        }
        pthread_mutex_unlock(&c->mu);
        if (kept)
            return;
    }
    munmap(p, bytes);
}
