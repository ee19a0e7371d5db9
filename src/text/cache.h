/* A thread-safe string → string memo (espeak-ng results per word): espeak is slow and serialised,
 * and real text repeats its out-of-lexicon words. Bounded: it empties itself when full. */
#ifndef KOKORO_TEXT_CACHE_H
#define KOKORO_TEXT_CACHE_H
#include <stddef.h>

typedef struct kk_cache kk_cache;

kk_cache *kk_cache_new(size_t max_entries);
void kk_cache_free(kk_cache *c);
/* Returns a malloc'd copy of the value stored for key, or NULL. */
char *kk_cache_get(kk_cache *c, const char *key);
void kk_cache_put(kk_cache *c, const char *key, const char *value);
#endif
