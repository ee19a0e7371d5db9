#include "engine/arena.h"

#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/scratch_cache.h"

#define KK_ARENA_BLOCK (64u << 20)
#define KK_ALIGN 64
#define KK_TRIM_ABOVE ((size_t)160 << 20)

struct kk_arena_block {
    kk_arena_block *next;
    size_t size, used;
    unsigned char *data;
};

void kk_arena_init(kk_arena *a, kk_scratch_cache *cache)
{
    memset(a, 0, sizeof *a);
    a->cache = cache;
}

static void free_block(kk_arena *a, kk_arena_block *b)
{
    kk_region_unmap(a->cache, b->data, b->size);
    free(b);
}

static void fail(kk_arena *a)
{
    a->failed = 1;
    if (a->on_fail)
        longjmp(*a->on_fail, 1);
}

struct kk_arena_big {
    kk_arena_big *next;
    void *data;
    size_t size; /* bytes mapped */
};

/* The spare resized to `bytes` (page-rounded) and handed over, its pages in place (mremap: the
 * tail beyond a smaller size goes back, a larger size gets fresh pages), or NULL when there is
 * no spare or it cannot be resized. */
static void *take_spare(kk_arena *a, size_t *bytes)
{
    if (!a->spare)
        return NULL;
    long page = sysconf(_SC_PAGESIZE);
    size_t want = (*bytes + (size_t)page - 1) / (size_t)page * (size_t)page;
    void *p = a->spare;
#ifdef MREMAP_MAYMOVE
    if (want != a->spare_size) {
        p = mremap(a->spare, a->spare_size, want, MREMAP_MAYMOVE);
        if (p == MAP_FAILED)
            return NULL;
    }
#else
    if (want > a->spare_size || a->spare_size - want > a->spare_size / 4)
        return NULL;
    want = a->spare_size;
#endif
    a->held -= a->spare_size;
    a->spare = NULL;
    a->spare_size = 0;
    *bytes = want;
    return p;
}

static void drop_spare(kk_arena *a)
{
    if (!a->spare)
        return;
    kk_region_unmap(a->cache, a->spare, a->spare_size);
    a->held -= a->spare_size;
    a->spare = NULL;
    a->spare_size = 0;
}

void kk_arena_free(kk_arena *a)
{
    drop_spare(a);
    while (a->bigs)
        kk_arena_big_free(a, a->bigs->data);
    kk_arena_block *b = a->head;
    while (b) {
        kk_arena_block *n = b->next;
        free_block(a, b);
        b = n;
    }
    kk_scratch_cache *cache = a->cache;
    memset(a, 0, sizeof *a);
    a->cache = cache;
}

static kk_arena_block *new_block(kk_arena *a, size_t need)
{
    kk_arena_block *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->size = need > KK_ARENA_BLOCK ? need : KK_ARENA_BLOCK;
    /* not from the spare, all of whose pages are resident: a block's unused tail takes no
     * memory when mapped fresh */
    drop_spare(a);
    b->data = kk_region_map(a->cache, &b->size, 0); /* page-aligned, so KK_ALIGN-aligned */
    if (!b->data) {
        free(b);
        return NULL;
    }
    return b;
}

float *kk_arena_floats(kk_arena *a, size_t n)
{
    size_t bytes = (n * sizeof(float) + KK_ALIGN - 1) / KK_ALIGN * KK_ALIGN;
    if (bytes == 0)
        bytes = KK_ALIGN;
    kk_arena_block *b = a->cur;
    if (b && b->size - b->used >= bytes) {
        float *p = (float *)(b->data + b->used);
        b->used += bytes;
        return p;
    }
    /* The smallest free block (after the current one) that fits, so that small requests do not
     * take the blocks shaped for the big generator buffers. */
    kk_arena_block *prev = b;
    kk_arena_block *c = NULL;
    for (kk_arena_block *q = b ? b->next : a->head; q; q = q->next)
        if (q->size >= bytes && (!c || q->size < c->size))
            c = q;
    if (!c) {
        /* Nothing free is large enough: give the free blocks back first, so that memory shaped
         * for an earlier stage does not stay mapped beside the new one. */
        kk_arena_block **link = b ? &b->next : &a->head;
        while (*link) {
            kk_arena_block *dead = *link;
            *link = dead->next;
            a->held -= dead->size;
            free_block(a, dead);
        }
        prev = b;
        c = new_block(a, bytes);
        if (!c) {
            fail(a);
            return NULL;
        }
        a->held += c->size;
        if (a->held > a->peak)
            a->peak = a->held;
        if (prev) {
            c->next = prev->next;
            prev->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    } else if (b && c != b->next) {
        /* Move the fitting block right after the current one so marks stay ordered. */
        kk_arena_block *p = b;
        while (p->next != c)
            p = p->next;
        p->next = c->next;
        c->next = b->next;
        b->next = c;
    } else if (!b && c != a->head) {
        kk_arena_block *p = a->head;
        while (p->next != c)
            p = p->next;
        p->next = c->next;
        c->next = a->head;
        a->head = c;
    }
    c->used = bytes;
    a->cur = c;
    return (float *)c->data;
}

float *kk_arena_zeros(kk_arena *a, size_t n)
{
    float *p = kk_arena_floats(a, n);
    if (p)
        memset(p, 0, n * sizeof(float));
    return p;
}

kk_arena_mark_t kk_arena_mark(const kk_arena *a)
{
    kk_arena_mark_t m = {a->cur, a->cur ? a->cur->used : 0};
    return m;
}

void kk_arena_release(kk_arena *a, kk_arena_mark_t m)
{
    /* Every block after m.block was allocated after the mark: it becomes free again. */
    kk_arena_block *b = m.block ? m.block->next : a->head;
    for (; b; b = b->next)
        b->used = 0;
    if (m.block)
        m.block->used = m.used;
    a->cur = m.block;
}

void *kk_arena_big_alloc(kk_arena *a, size_t bytes)
{
    kk_arena_big *g = calloc(1, sizeof *g);
    if (!g) {
        fail(a);
        return NULL;
    }
    /* mapped rather than malloc'd: freed pages go back to the system (or to the model's scratch
     * cache, engine/scratch_cache.h) at once, whatever the allocator's thresholds, so the peak is
     * what is live. Not cleared: a region the cache hands back holds an earlier call's values,
     * and every caller writes its whole buffer (clearing one was up to 20 MB of memset per short
     * call). */
    g->size = bytes;
    g->data = take_spare(a, &g->size);
    if (!g->data) {
        drop_spare(a);
        g->data = kk_region_map(a->cache, &g->size, 0);
    }
    if (!g->data) {
        free(g);
        fail(a);
        return NULL;
    }
    g->next = a->bigs;
    a->bigs = g;
    a->held += g->size;
    if (a->held > a->peak)
        a->peak = a->held;
    return g->data;
}

void kk_arena_big_free(kk_arena *a, void *p)
{
    for (kk_arena_big **link = &a->bigs; *link; link = &(*link)->next) {
        kk_arena_big *g = *link;
        if (g->data != p)
            continue;
        *link = g->next;
        if (!a->cache) { /* kept until the next request (arena.h) */
            drop_spare(a);
            a->spare = g->data;
            a->spare_size = g->size;
        } else {
            a->held -= g->size;
            kk_region_unmap(a->cache, g->data, g->size);
        }
        free(g);
        return;
    }
}

void kk_arena_uncache(kk_arena *a)
{
    drop_spare(a);
    kk_scratch_cache_flush(a->cache);
    a->cache = NULL;
}

void kk_arena_trim(kk_arena *a)
{
    /* Trimming is for the peak of long utterances (their spare buffer goes back too); a short
     * call's few blocks keep their pages (given back at its end, to the model's cache) instead of
     * faulting them in again. */
    drop_spare(a);
    if (a->cache && a->held < KK_TRIM_ABOVE)
        return;
    /* the blocks in use keep their pages up to `used`; the rest of each goes back */
    long page = sysconf(_SC_PAGESIZE);
    for (kk_arena_block *b = a->head; b; b = b->next) {
        uintptr_t lo = ((uintptr_t)b->data + b->used + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        uintptr_t hi = ((uintptr_t)b->data + b->size) & ~((uintptr_t)page - 1);
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
        if (b == a->cur)
            break;
    }
    kk_arena_block **link = a->cur ? &a->cur->next : &a->head;
    while (*link) {
        kk_arena_block *dead = *link;
        *link = dead->next;
        a->held -= dead->size;
        free_block(a, dead);
    }
}
