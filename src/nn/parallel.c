#include "nn/parallel.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define KK_MAX_THREADS 64
/* How long a thread polls before it sleeps. A synthesis call issues parallel steps a few hundred
 * microseconds apart, and waking a sleeping thread costs tens of microseconds in a VM, which on
 * short inputs added up to ~15 % of the wall time with a 50 us poll; so with one call on the pool
 * its threads poll for up to 1 ms. With several, a polling thread takes the core from another
 * call's serial work (measured: 6 concurrent server streams lost 15 % of their throughput), and
 * there is queued work most of the time anyway: then 50 us. */
#define KK_SPIN_NS 1000000L
#define KK_SPIN_SHARED_NS 50000L

/* One kk_parallel_for call; lives on the caller's stack until all its shares are done. */
typedef struct batch {
    kk_range_fn fn;
    void *ctx;
    int n, shares;
    int next;              /* next unclaimed share (pool mutex) */
    atomic_int done;       /* shares finished */
    struct batch *link;    /* queue order (pool mutex) */
} batch;

struct kokoro_pool {
    pthread_mutex_t mu;
    pthread_cond_t work;   /* workers sleep here while the queue is empty */
    pthread_cond_t done;   /* callers sleep here while their shares run elsewhere */
    batch *head, *tail;    /* batches with unclaimed shares, first come first served */
    atomic_int pending;    /* unclaimed shares in the queue (polled without the lock) */
    atomic_int callers;    /* threads attached to the pool (kk_pool_attach) */
    int sleepers;          /* workers waiting on `work` */
    int stop;
    int n;
    pthread_t *tid;
};

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Polls until *v >= at_least or the pool's poll time has passed; returns whether it got there. */
static int spin_for(kk_pool *p, atomic_int *v, int at_least)
{
    long end = 0, limit = atomic_load_explicit(&p->callers, memory_order_relaxed) > 1 ? KK_SPIN_SHARED_NS
                                                                                       : KK_SPIN_NS;
    for (int i = 0;; i++) {
        if (atomic_load_explicit(v, memory_order_acquire) >= at_least)
            return 1;
        if ((i & 63) == 0) {
            long t = now_ns();
            if (!end)
                end = t + limit;
            else if (t > end)
                return 0;
        }
        cpu_relax();
    }
}

static _Thread_local kk_pool *attached;
/* Shares that call kk_parallel_for themselves run the inner call serially (never mutated). */
static kk_pool serial_pool;

static void run_share(const batch *b, int w)
{
    int begin = (int)((long)b->n * w / b->shares);
    int end = (int)((long)b->n * (w + 1) / b->shares);
    if (end > begin)
        b->fn(b->ctx, begin, end, w);
}

/* Claims the next share of the queue's first batch; the pool mutex is held. */
static batch *claim_head(kk_pool *p, int *share)
{
    batch *b = p->head;
    *share = b->next++;
    if (b->next == b->shares) {
        p->head = b->link;
        if (!p->head)
            p->tail = NULL;
    }
    atomic_fetch_sub_explicit(&p->pending, 1, memory_order_relaxed);
    return b;
}

static void share_done(kk_pool *p, batch *b)
{
    /* the batch may be gone once `done` reaches `shares` (its caller, polling, returns at once):
     * read what is needed of it first, touch only the pool afterwards */
    int shares = b->shares;
    int last = atomic_fetch_add_explicit(&b->done, 1, memory_order_acq_rel) + 1 == shares;
    if (last) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

static void *worker_main(void *arg)
{
    kk_pool *p = arg;
    attached = &serial_pool;
    for (;;) {
        spin_for(p, &p->pending, 1);
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stop) {
            p->sleepers++;
            pthread_cond_wait(&p->work, &p->mu);
            p->sleepers--;
        }
        if (!p->head) { /* stopping and nothing queued */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        int w;
        batch *b = claim_head(p, &w);
        pthread_mutex_unlock(&p->mu);
        run_share(b, w);
        share_done(p, b);
    }
}

kk_pool *kk_pool_new(int workers)
{
    if (workers < 0)
        workers = 0;
    if (workers > KK_MAX_THREADS)
        workers = KK_MAX_THREADS;
    kk_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tid = calloc((size_t)(workers ? workers : 1), sizeof *p->tid);
    if (!p->tid) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->pending, 0);
    atomic_init(&p->callers, 0);
    for (int i = 0; i < workers; i++)
        if (pthread_create(&p->tid[p->n], NULL, worker_main, p) == 0)
            p->n++;
    return p;
}

void kk_pool_free(kk_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->tid);
    free(p);
}

int kk_pool_workers(const kk_pool *p)
{
    return p ? p->n : 0;
}

kk_pool *kk_pool_attach(kk_pool *pool)
{
    kk_pool *prev = attached;
    if (prev != pool) {
        if (prev && prev != &serial_pool)
            atomic_fetch_sub_explicit(&prev->callers, 1, memory_order_relaxed);
        if (pool && pool != &serial_pool)
            atomic_fetch_add_explicit(&pool->callers, 1, memory_order_relaxed);
    }
    attached = pool;
    return prev;
}

static void pool_for(kk_pool *p, batch *b)
{
    pthread_mutex_lock(&p->mu);
    b->next = 1; /* share 0 is the caller's */
    b->link = NULL;
    if (p->tail)
        p->tail->link = b;
    else
        p->head = b;
    p->tail = b;
    atomic_fetch_add_explicit(&p->pending, b->shares - 1, memory_order_relaxed);
    if (p->sleepers > 0) {
        if (b->shares - 1 >= p->sleepers)
            pthread_cond_broadcast(&p->work);
        else
            for (int i = 1; i < b->shares; i++)
                pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->mu);

    run_share(b, 0);
    atomic_fetch_add_explicit(&b->done, 1, memory_order_acq_rel);
    /* then whatever of this call nobody has taken yet */
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (b->next >= b->shares) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        int w = b->next++;
        if (b->next == b->shares) { /* unlink b: it is somewhere in the queue */
            batch **pp = &p->head, *prev = NULL;
            while (*pp != b) {
                prev = *pp;
                pp = &(*pp)->link;
            }
            *pp = b->link;
            if (p->tail == b)
                p->tail = prev;
        }
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_relaxed);
        pthread_mutex_unlock(&p->mu);
        run_share(b, w);
        atomic_fetch_add_explicit(&b->done, 1, memory_order_acq_rel);
    }
    if (!spin_for(p, &b->done, b->shares)) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&b->done, memory_order_acquire) < b->shares)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

typedef struct {
    const batch *b;
    int w;
} thread_share;

static void *run_thread_share(void *arg)
{
    const thread_share *s = arg;
    run_share(s->b, s->w);
    return NULL;
}

/* Without a pool: a thread per share, the reference the pool is tested against. */
static void threads_for(batch *b)
{
    pthread_t tid[KK_MAX_THREADS];
    thread_share sh[KK_MAX_THREADS];
    int started[KK_MAX_THREADS] = {0};
    for (int w = 1; w < b->shares; w++) {
        sh[w].b = b;
        sh[w].w = w;
        started[w] = pthread_create(&tid[w], NULL, run_thread_share, &sh[w]) == 0;
    }
    run_share(b, 0);
    for (int w = 1; w < b->shares; w++) {
        if (started[w])
            pthread_join(tid[w], NULL);
        else
            run_share(b, w); /* could not start a thread: do its share here */
    }
}

void kk_parallel_for(int threads, int n, kk_range_fn fn, void *ctx)
{
    if (threads > KK_MAX_THREADS)
        threads = KK_MAX_THREADS;
    if (threads > n)
        threads = n;
    if (threads <= 1) {
        if (n > 0)
            fn(ctx, 0, n, 0);
        return;
    }
    batch b = {fn, ctx, n, threads, 0, 0, NULL};
    kk_pool *p = attached;
    if (!p)
        threads_for(&b);
    else if (p->n == 0)
        for (int w = 0; w < threads; w++)
            run_share(&b, w);
    else
        pool_for(p, &b);
}

int kk_default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void kk_blas_single_threaded(void)
{
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
}

void kk_parallel_units(int threads, int units, kk_range_fn whole, int *unit, int nsteps,
                       const kk_range_fn *steps, const int *counts, void *ctx)
{
    if (threads <= 1 || units >= 2 * threads) {
        kk_parallel_for(threads, units, whole, ctx);
        return;
    }
    for (int u = 0; u < units; u++) {
        *unit = u;
        for (int s = 0; s < nsteps; s++)
            kk_parallel_for(threads, counts[s], steps[s], ctx);
    }
}
