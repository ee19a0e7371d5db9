/* scheduler — a fixed pool of synthesis workers shared by all requests.
 *
 * A request becomes a job of n ordered work items (text chunks). Workers take items round-robin
 * across jobs, so a long job never starves a short one; a job's first item jumps the turn order,
 * because time to first byte is what a new client waits on. A job may run at most `lookahead`
 * items ahead of what its consumer has taken, which bounds the audio buffered for a slow client.
 * The number of admitted jobs is bounded: kk_sched_submit refuses when the queue is full. */
#ifndef KOKORO_SERVER_SCHEDULER_H
#define KOKORO_SERVER_SCHEDULER_H
#include <stddef.h>

typedef struct kk_sched kk_sched;
typedef struct kk_job kk_job;

/* Runs on a worker thread: computes item `index` of a job. Returns the result (NULL is a valid
 * result) and sets *failed to non-zero on failure. Must not block on the job's consumer. */
typedef void *(*kk_work_fn)(void *ctx, size_t index, int *failed);
/* Releases a result that no consumer will take (job cancelled or released early). */
typedef void (*kk_result_free_fn)(void *result);

typedef struct {
    size_t jobs;          /* admitted jobs not yet released */
    size_t pending_items; /* items not yet started, over all jobs */
    size_t running_items; /* items being computed now */
    int workers;
} kk_sched_stats;

/* Starts `workers` threads. max_jobs bounds admitted jobs. NULL on failure. */
kk_sched *kk_sched_new(int workers, size_t max_jobs);
/* With a compute pool shared by all items, one item can use every core, and a first item is what
 * a new client waits on: while any first item runs, no later item starts (first items of other
 * jobs still do), so first audio gets the whole machine instead of a share. Off by default. */
void kk_sched_set_first_exclusive(kk_sched *s, int on);
/* Cancels every job, joins the workers and frees the scheduler. Jobs must be released first or
 * afterwards by their owners; kk_sched_free waits for no consumer. */
void kk_sched_free(kk_sched *s);

typedef enum { KK_SUBMIT_OK = 0, KK_SUBMIT_FULL, KK_SUBMIT_CLOSED, KK_SUBMIT_NO_MEMORY } kk_submit_status;

/* Admits a job of n_items items. ctx is borrowed until kk_job_release returns. */
kk_submit_status kk_sched_submit(kk_sched *s, size_t n_items, size_t lookahead, kk_work_fn work,
                                 kk_result_free_fn free_result, void *ctx, kk_job **out);

typedef enum {
    KK_JOB_READY = 0,   /* *result holds item index; the caller owns it now */
    KK_JOB_TIMEOUT,     /* not computed within timeout_ms */
    KK_JOB_FAILED,      /* the work function reported failure for this item */
    KK_JOB_CANCELLED    /* the job was cancelled (client gone, shutdown) */
} kk_job_wait;

/* Waits for item `index`; items must be taken in order 0, 1, 2, ... timeout_ms < 0 waits forever. */
kk_job_wait kk_job_take(kk_job *job, size_t index, void **result, int timeout_ms);
/* Stops the job: items not started are dropped; a running item finishes and is discarded. */
void kk_job_cancel(kk_job *job);
/* The consumer is done: cancels what is left, waits until no worker uses ctx, frees the job. */
void kk_job_release(kk_job *job);

void kk_sched_get_stats(kk_sched *s, kk_sched_stats *out);
#endif
