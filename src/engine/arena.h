/*
 * arena — the per-call scratch memory of one synthesis (the "State" of the llama2.c split).
 *
 * A stack of large blocks: kk_arena_floats bumps a pointer, kk_arena_mark/kk_arena_release pop
 * everything allocated since the mark. Released blocks stay mapped and are reused, so the big
 * generator temporaries do not fault in fresh pages each layer; only when no free block is large
 * enough are the free ones returned to the system and a larger one taken.
 * An arena belongs to one call on one thread. When on_fail is set, running out of memory
 * longjmps there (the forward pass then unwinds in one place instead of checking every buffer).
 */
#ifndef KOKORO_ENGINE_ARENA_H
#define KOKORO_ENGINE_ARENA_H
#include <setjmp.h>
#include <stddef.h>

typedef struct kk_arena_block kk_arena_block;

typedef struct {
    kk_arena_block *head; /* first block; blocks form a singly linked list */
    kk_arena_block *cur;  /* block currently allocated from */
    size_t held;          /* bytes of the blocks held now */
    size_t peak;          /* most bytes held at once */
    int failed;           /* an allocation failed: results are not to be trusted */
    jmp_buf *on_fail;     /* if set, where an allocation failure jumps to */
} kk_arena;

typedef struct {
    kk_arena_block *block;
    size_t used;
} kk_arena_mark_t;

void kk_arena_init(kk_arena *a);
void kk_arena_free(kk_arena *a);
/* n floats, 64-byte aligned, uninitialised. On failure: longjmp to on_fail if set, else NULL. */
float *kk_arena_floats(kk_arena *a, size_t n);
/* n floats set to zero. */
float *kk_arena_zeros(kk_arena *a, size_t n);
kk_arena_mark_t kk_arena_mark(const kk_arena *a);
void kk_arena_release(kk_arena *a, kk_arena_mark_t m);
#endif
