/* Worker pool with per-job ordered items, round-robin across jobs. One mutex guards all state:
 * the critical sections are a few pointer updates, while the work itself runs unlocked. */
#include "server/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

enum { ITEM_WAITING = 0, ITEM_RUNNING, ITEM_DONE, ITEM_FAILED, ITEM_TAKEN };

struct kk_job {
    kk_sched *s;
    size_t n, lookahead;
    kk_work_fn work;
    kk_result_free_fn free_result;
    void *ctx;
    size_t next_dispatch; /* first item not started */
    size_t taken;         /* items handed to the consumer (or skipped as failed) */
    int running;          /* items being computed now */
    int cancelled;
    void **results;
    unsigned char *state;
    pthread_cond_t cond; /* consumer and releaser wait here */
    kk_job *prev, *next; /* ring of jobs that may still dispatch */
    int in_ring;
};

struct kk_sched {
    pthread_mutex_t mu;
    pthread_cond_t work_cond;
    pthread_t *threads;
    int n_threads;
    int closing;
    size_t max_jobs, jobs, pending, running;
    kk_job *cursor; /* next job to serve; NULL when the ring is empty */
    int first_exclusive; /* no later item starts while a first item runs */
    int first_running;   /* first items being computed now */
};

static void cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

static void ring_remove(kk_sched *s, kk_job *j)
{
    if (!j->in_ring)
        return;
    if (j->next == j) {
        s->cursor = NULL;
    } else {
        j->prev->next = j->next;
        j->next->prev = j->prev;
        if (s->cursor == j)
            s->cursor = j->next;
    }
    j->prev = j->next = NULL;
    j->in_ring = 0;
}

static void ring_insert(kk_sched *s, kk_job *j)
{
    if (!s->cursor) {
        j->prev = j->next = j;
        s->cursor = j;
    } else {
        /* Insert just before the cursor: the newcomer is served after everyone already waiting
         * has had one turn, which is what round-robin promises. */
        kk_job *c = s->cursor;
        j->next = c;
        j->prev = c->prev;
        c->prev->next = j;
        c->prev = j;
    }
    j->in_ring = 1;
}

static int dispatchable(const kk_job *j)
{
    return !j->cancelled && j->next_dispatch < j->n && j->next_dispatch < j->taken + j->lookahead;
}

/* Picks the next job with an item to start: a job that has not started yet goes first (its
 * first chunk is what its client is waiting for), otherwise ring order from the cursor. */
static kk_job *pick(kk_sched *s)
{
    kk_job *start = s->cursor;
    if (!start)
        return NULL;
    kk_job *j = start;
    do {
        if (j->next_dispatch == 0 && dispatchable(j))
            return j; /* the cursor stays: the others keep their turns */
        j = j->next;
    } while (j != start);
    if (s->first_exclusive && s->first_running > 0)
        return NULL;
    do {
        if (dispatchable(j)) {
            s->cursor = j->next;
            return j;
        }
        j = j->next;
    } while (j != start);
    return NULL;
}

static void *worker_main(void *arg)
{
    kk_sched *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        kk_job *j = NULL;
        while (!s->closing && !(j = pick(s)))
            pthread_cond_wait(&s->work_cond, &s->mu);
        if (!j)
            break;
        size_t idx = j->next_dispatch++;
        int first = idx == 0;
        s->first_running += first;
        if (j->next_dispatch == j->n)
            ring_remove(s, j);
        j->state[idx] = ITEM_RUNNING;
        j->running++;
        s->pending--;
        s->running++;
        pthread_mutex_unlock(&s->mu);

        int failed = 0;
        void *r = j->work(j->ctx, idx, &failed);

        pthread_mutex_lock(&s->mu);
        s->running--;
        j->running--;
        if (first) {
            s->first_running--;
            if (s->first_exclusive && s->first_running == 0)
                pthread_cond_broadcast(&s->work_cond); /* later items may start again */
        }
        if (j->cancelled) {
            if (r && j->free_result)
                j->free_result(r);
            j->state[idx] = ITEM_FAILED;
        } else {
            j->results[idx] = r;
            j->state[idx] = failed ? ITEM_FAILED : ITEM_DONE;
            if (failed && r && j->free_result) {
                j->free_result(r);
                j->results[idx] = NULL;
            }
        }
        pthread_cond_broadcast(&j->cond);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

kk_sched *kk_sched_new(int workers, size_t max_jobs)
{
    if (workers < 1 || max_jobs < 1)
        return NULL;
    kk_sched *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->threads = calloc((size_t)workers, sizeof *s->threads);
    if (!s->threads) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work_cond, NULL);
    s->max_jobs = max_jobs;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
            break;
        s->n_threads++;
    }
    if (s->n_threads == 0) {
        kk_sched_free(s);
        return NULL;
    }
    return s;
}

void kk_sched_set_first_exclusive(kk_sched *s, int on)
{
    pthread_mutex_lock(&s->mu);
    s->first_exclusive = on != 0;
    pthread_mutex_unlock(&s->mu);
    pthread_cond_broadcast(&s->work_cond);
}

void kk_sched_free(kk_sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->closing = 1;
    while (s->cursor) {
        kk_job *j = s->cursor;
        s->pending -= j->n - j->next_dispatch;
        j->next_dispatch = j->n;
        j->cancelled = 1;
        ring_remove(s, j);
        pthread_cond_broadcast(&j->cond);
    }
    pthread_cond_broadcast(&s->work_cond);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->n_threads; i++)
        pthread_join(s->threads[i], NULL);
    pthread_cond_destroy(&s->work_cond);
    pthread_mutex_destroy(&s->mu);
    free(s->threads);
    free(s);
}

kk_submit_status kk_sched_submit(kk_sched *s, size_t n_items, size_t lookahead, kk_work_fn work,
                                 kk_result_free_fn free_result, void *ctx, kk_job **out)
{
    *out = NULL;
    kk_job *j = calloc(1, sizeof *j);
    if (!j)
        return KK_SUBMIT_NO_MEMORY;
    j->results = calloc(n_items ? n_items : 1, sizeof *j->results);
    j->state = calloc(n_items ? n_items : 1, 1);
    if (!j->results || !j->state) {
        free(j->results);
        free(j->state);
        free(j);
        return KK_SUBMIT_NO_MEMORY;
    }
    j->s = s;
    j->n = n_items;
    j->lookahead = lookahead ? lookahead : 1;
    j->work = work;
    j->free_result = free_result;
    j->ctx = ctx;
    cond_init_monotonic(&j->cond);

    pthread_mutex_lock(&s->mu);
    kk_submit_status st = KK_SUBMIT_OK;
    if (s->closing)
        st = KK_SUBMIT_CLOSED;
    else if (s->jobs >= s->max_jobs)
        st = KK_SUBMIT_FULL;
    if (st != KK_SUBMIT_OK) {
        pthread_mutex_unlock(&s->mu);
        pthread_cond_destroy(&j->cond);
        free(j->results);
        free(j->state);
        free(j);
        return st;
    }
    s->jobs++;
    s->pending += n_items;
    if (n_items > 0)
        ring_insert(s, j);
    pthread_cond_broadcast(&s->work_cond);
    pthread_mutex_unlock(&s->mu);
    *out = j;
    return KK_SUBMIT_OK;
}

static void cancel_locked(kk_sched *s, kk_job *j)
{
    if (j->cancelled)
        return;
    j->cancelled = 1;
    s->pending -= j->n - j->next_dispatch;
    j->next_dispatch = j->n;
    ring_remove(s, j);
    pthread_cond_broadcast(&j->cond);
}

kk_job_wait kk_job_take(kk_job *j, size_t index, void **result, int timeout_ms)
{
    kk_sched *s = j->s;
    *result = NULL;
    struct timespec deadline;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&s->mu);
    kk_job_wait rc;
    for (;;) {
        if (index >= j->n || j->cancelled) {
            rc = KK_JOB_CANCELLED;
            break;
        }
        unsigned char st = j->state[index];
        if (st == ITEM_DONE || st == ITEM_FAILED) {
            rc = st == ITEM_DONE ? KK_JOB_READY : KK_JOB_FAILED;
            *result = j->results[index];
            j->results[index] = NULL;
            j->state[index] = ITEM_TAKEN;
            j->taken++;
            /* Taking an item may let this job run further ahead. */
            if (j->next_dispatch < j->n && !j->in_ring)
                ring_insert(s, j);
            pthread_cond_broadcast(&s->work_cond);
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&j->cond, &s->mu);
        } else if (pthread_cond_timedwait(&j->cond, &s->mu, &deadline) == ETIMEDOUT) {
            rc = KK_JOB_TIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void kk_job_cancel(kk_job *j)
{
    pthread_mutex_lock(&j->s->mu);
    cancel_locked(j->s, j);
    pthread_mutex_unlock(&j->s->mu);
}

void kk_job_release(kk_job *j)
{
    if (!j)
        return;
    kk_sched *s = j->s;
    pthread_mutex_lock(&s->mu);
    cancel_locked(s, j);
    while (j->running > 0)
        pthread_cond_wait(&j->cond, &s->mu);
    s->jobs--;
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < j->n; i++)
        if (j->results[i] && j->free_result)
            j->free_result(j->results[i]);
    pthread_cond_destroy(&j->cond);
    free(j->results);
    free(j->state);
    free(j);
}

void kk_sched_get_stats(kk_sched *s, kk_sched_stats *out)
{
    pthread_mutex_lock(&s->mu);
    out->jobs = s->jobs;
    out->pending_items = s->pending;
    out->running_items = s->running;
    out->workers = s->n_threads;
    pthread_mutex_unlock(&s->mu);
}
