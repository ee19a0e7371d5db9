/*
 * arena — the per-call scratch memory of one synthesis (the "State" of the llama2.c split).
 *
 * A stack of large blocks: kk_arena_floats bumps a pointer, kk_arena_mark/kk_arena_release pop
 * everything allocated since the mark. Released blocks stay mapped and are reused, so layer
 * temporaries do not fault in fresh pages each time; only when no free block is large enough (or
 * on kk_arena_trim) are free ones returned to the system. Buffers whose lifetimes do not nest (the
 * generator's audio-rate stage buffers) are mapped separately with kk_arena_big_alloc and unmapped
 * the moment they die, so the call's peak is what is live.
 * An arena belongs to one call on one thread. When on_fail is set, running out of memory
 * longjmps there (the forward pass then unwinds in one place instead of checking every buffer).
 */
#ifndef KOKORO_ENGINE_ARENA_H
#define KOKORO_ENGINE_ARENA_H
#include <setjmp.h>
#include <stddef.h>

#include "engine/scratch_cache.h"

typedef struct kk_arena_block kk_arena_block;
typedef struct kk_arena_big kk_arena_big;

typedef struct {
    kk_arena_block *head; /* first block; blocks form a singly linked list */
    kk_arena_block *cur;  /* block currently allocated from */
    kk_arena_big *bigs;   /* separately mapped buffers (kk_arena_big_floats), any order */
    size_t held;          /* bytes of the blocks and big buffers held now */
    size_t peak;          /* most bytes held at once */
    int failed;           /* an allocation failed: results are not to be trusted */
    jmp_buf *on_fail;     /* if set, where an allocation failure jumps to */
    kk_scratch_cache *cache; /* where memory comes from and goes back to (NULL: the system) */
    void *spare;          /* without a cache: the last big buffer freed, kept mapped for the next
                           * big request (see kk_arena_big_free), or NULL */
    size_t spare_size;
} kk_arena;

typedef struct {
    kk_arena_block *block;
    size_t used;
} kk_arena_mark_t;

/* cache: the model's (engine/scratch_cache.h), or NULL. */
void kk_arena_init(kk_arena *a, kk_scratch_cache *cache);
void kk_arena_free(kk_arena *a);
/* n floats, 64-byte aligned, uninitialised. On failure: longjmp to on_fail if set, else NULL. */
float *kk_arena_floats(kk_arena *a, size_t n);
/* n floats set to zero. */
float *kk_arena_zeros(kk_arena *a, size_t n);
kk_arena_mark_t kk_arena_mark(const kk_arena *a);
/* A buffer of `bytes` outside the stack, mapped on its own and returned to the system by
 * kk_arena_big_free in any order (or by kk_arena_free): for the generator's stage buffers, whose
 * lifetimes overlap without nesting. Its contents are undefined (an earlier call's values when
 * the scratch cache had a region of that size): callers write all of it before reading. Failure
 * behaves as in kk_arena_floats. */
void *kk_arena_big_alloc(kk_arena *a, size_t bytes);
/* Without a cache, the buffer freed last (the "spare") stays mapped until the next request for
 * new memory. A big buffer takes it, resized to its own size with its pages in place (mremap);
 * a stack block, whose tail may never be touched, unmaps it and maps fresh pages, and so does
 * kk_arena_trim (which is for the peak). So a call that frees stage buffers and maps the next
 * ones faults most of their pages in once, and its peak is unchanged as long as its big buffers
 * are written whole (their contract): the spare's pages are resident only where the freed
 * buffer's were, until a buffer that would have faulted as many in takes them. */
void kk_arena_big_free(kk_arena *a, void *p);
/* From now on the arena's memory comes from and goes back to the system alone, and the cache
 * gives back what it keeps (a call whose peak matters). */
void kk_arena_uncache(kk_arena *a);
/* Returns the stack blocks that hold nothing now to the system (a call that keeps its memory in
 * a cache and holds little does nothing: its pages serve the next call). */
void kk_arena_trim(kk_arena *a);
void kk_arena_release(kk_arena *a, kk_arena_mark_t m);
#endif
