#include "text/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "text/sbuf.h"

typedef struct {
    char *key, *val;
} slot;

struct kk_cache {
    pthread_mutex_t lock;
    slot *slots;
    size_t mask, used, max;
};

kk_cache *kk_cache_new(size_t max_entries)
{
    kk_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t cap = 64;
    while (cap < max_entries * 2)
        cap *= 2;
    c->slots = calloc(cap, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->mask = cap - 1;
    c->max = max_entries;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void clear(kk_cache *c)
{
    for (size_t i = 0; i <= c->mask; i++) {
        free(c->slots[i].key);
        free(c->slots[i].val);
        c->slots[i].key = c->slots[i].val = NULL;
    }
    c->used = 0;
}

void kk_cache_free(kk_cache *c)
{
    if (!c)
        return;
    clear(c);
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

char *kk_cache_get(kk_cache *c, const char *key)
{
    if (!c)
        return NULL;
    char *res = NULL;
    pthread_mutex_lock(&c->lock);
    size_t h = (size_t)kk_fnv1a(key, strlen(key)) & c->mask;
    while (c->slots[h].key) {
        if (strcmp(c->slots[h].key, key) == 0) {
            res = strdup(c->slots[h].val);
            break;
        }
        h = (h + 1) & c->mask;
    }
    pthread_mutex_unlock(&c->lock);
    return res;
}

void kk_cache_put(kk_cache *c, const char *key, const char *value)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->used >= c->max)
        clear(c);
    size_t h = (size_t)kk_fnv1a(key, strlen(key)) & c->mask;
    while (c->slots[h].key && strcmp(c->slots[h].key, key) != 0)
        h = (h + 1) & c->mask;
    if (!c->slots[h].key) {
        char *k = strdup(key), *v = strdup(value);
        if (k && v) {
            c->slots[h].key = k;
            c->slots[h].val = v;
            c->used++;
        } else {
            free(k);
            free(v);
        }
    }
    pthread_mutex_unlock(&c->lock);
}
