/*
 * scratch_cache — mapped memory kept between the synthesis calls of one model.
 *
 * A call's scratch (its arena blocks and the generator's stage buffers) is mapped fresh and every
 * page of it faults in on first touch: for a short chunk some 20,000 faults, about a tenth of its
 * time. Regions a call gives back are kept here, up to a byte cap, and handed to the next call
 * that asks for about that size, pages already in place. A request that nothing kept fits
 * (another size of call, or more than max_region: a long utterance's stage buffer) first
 * empties the cache, so that what earlier calls kept does not add to this call's peak, unless
 * the cache holds at most a sixth of its cap and at most 16 MiB (a short call's first-stage
 * buffers, which its next call needs again); regions larger than max_region are never kept.
 * The generator maps all of a call's stage buffers at one size (engine/istftnet.c), so that
 * they meet no such miss from stage to stage.
 * Thread-safe (one mutex): the calls of a server share one model.
 */
#ifndef KOKORO_ENGINE_SCRATCH_CACHE_H
#define KOKORO_ENGINE_SCRATCH_CACHE_H
#include <stddef.h>

typedef struct kk_scratch_cache kk_scratch_cache;

/* The largest region a model's cache keeps: one arena block (64 MiB). Kokoro-82M's stage buffers
 * pass it from about 25 s of audio on, and such a call empties the cache first. */
#define KK_SCRATCH_MAX_REGION ((size_t)64 << 20)

/* cap_bytes 0: nothing is kept (every map and unmap goes to the system). NULL when out of
 * memory; a NULL cache is valid everywhere and keeps nothing. */
kk_scratch_cache *kk_scratch_cache_new(size_t cap_bytes, size_t max_region);
/* Unmaps every kept region (an idle server gives its memory back). */
void kk_scratch_cache_flush(kk_scratch_cache *c);
void kk_scratch_cache_free(kk_scratch_cache *c);
/* Bytes kept now. */
size_t kk_scratch_cache_bytes(kk_scratch_cache *c);

/* A page-aligned region of at least *bytes; *bytes becomes its real size, to be passed back to
 * kk_region_unmap. Zero-filled when `zero` (as a fresh mapping is), else it may hold what an
 * earlier call left. NULL when the system has no memory. */
void *kk_region_map(kk_scratch_cache *c, size_t *bytes, int zero);
void kk_region_unmap(kk_scratch_cache *c, void *p, size_t bytes);

/* The cap a model gets at load: KOKORO_SCRATCH_CACHE_MB if set (MiB, 0 = off), else 256 MiB
 * (what a 12-second call's stage buffers and arena blocks come to). */
size_t kk_scratch_cache_default_cap(void);
#endif
