/*
 * parallel — fork/join over index ranges on a persistent pool of compute threads.
 *
 * libkokoro runs OpenBLAS single-threaded and parallelises itself: every heavy primitive splits
 * its work (output time blocks, channels, rows) into `threads` shares, each calling the BLAS on
 * its own part. Share w is always given worker index w, so a primitive may index per-worker
 * scratch by it; the split never changes the arithmetic, so results do not depend on `threads`.
 *
 * Shares run on a kk_pool: long-lived threads that wait for work, because a synthesis call makes
 * thousands of parallel_for calls and starting threads for each would cost more than short
 * calls compute (and leave cores idle between stages). A pool may be shared by concurrent
 * callers (the server's chunks): their shares queue first-come first-served, so cores go to
 * whoever has work — a lone call gets them all, concurrent calls share them. The calling thread
 * always runs shares of its own call too, so a pool of P threads plus one caller keeps P + 1
 * cores busy.
 *
 * Which pool a call uses is a property of the calling thread (kk_pool_attach), not an argument:
 * the primitives take a worker count, and the pool is the execution resource behind it.
 */
#ifndef KOKORO_NN_PARALLEL_H
#define KOKORO_NN_PARALLEL_H

/* fn(ctx, begin, end, worker) for the contiguous share [begin, end) of [0, n) of each worker.
 * Returns when every share is done. */
typedef void (*kk_range_fn)(void *ctx, int begin, int end, int worker);
void kk_parallel_for(int threads, int n, kk_range_fn fn, void *ctx);
/* A layer's work cut into `units` (the fast convolutions, nn/conv_fft.c and nn/conv_wino.c):
 * whole units per worker (`whole` over [0, units)) when each worker gets at least two, else the
 * units one by one, each unit's `nsteps` steps in turn split over the workers (*unit set to the
 * unit, then steps[s] over [0, counts[s])), so that no core idles on a short input. */
void kk_parallel_units(int threads, int units, kk_range_fn whole, int *unit, int nsteps,
                       const kk_range_fn *steps, const int *counts, void *ctx);

typedef struct kokoro_pool kk_pool; /* the public kokoro_pool */

/* Starts a pool of `workers` threads (>= 0; 0 gives a pool that runs everything on callers).
 * NULL when out of memory; a thread that cannot be started is simply not there. */
kk_pool *kk_pool_new(int workers);
/* Joins the workers. No call may be using the pool. */
void kk_pool_free(kk_pool *pool);
int kk_pool_workers(const kk_pool *pool);

/* Makes the calling thread's kk_parallel_for calls run on `pool` (NULL: no pool, shares run one
 * after another on the caller). Returns the previous pool, for restoring it. */
kk_pool *kk_pool_attach(kk_pool *pool);

/* The default worker count: the CPUs this process may run on (at least 1). */
int kk_default_threads(void);

/* Makes OpenBLAS single-threaded (its thread count is process-wide; libkokoro's own workers
 * call it concurrently instead). Idempotent. */
void kk_blas_single_threaded(void);
#endif
