/*
 * parallel — fork/join over index ranges with plain pthreads, owned by the call that uses it.
 *
 * libkokoro runs OpenBLAS single-threaded and parallelises itself: every heavy primitive splits
 * its work (output time blocks, channels, rows) over `threads` workers, each calling the BLAS
 * on its own part. So the thread count is a per-call setting (kokoro_synth_options.threads), and
 * concurrent calls never share a thread pool.
 */
#ifndef KOKORO_NN_PARALLEL_H
#define KOKORO_NN_PARALLEL_H

/* fn(ctx, begin, end, worker) for the contiguous share [begin, end) of [0, n) of each worker
 * (worker 0 runs on the calling thread). Returns when every share is done. */
typedef void (*kk_range_fn)(void *ctx, int begin, int end, int worker);
void kk_parallel_for(int threads, int n, kk_range_fn fn, void *ctx);

/* The default worker count: the CPUs this process may run on (at least 1). */
int kk_default_threads(void);

/* Makes OpenBLAS single-threaded (its thread count is process-wide; libkokoro's own workers
 * call it concurrently instead). Idempotent. */
void kk_blas_single_threaded(void);
#endif
