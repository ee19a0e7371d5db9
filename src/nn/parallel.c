#include "nn/parallel.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#define KK_MAX_THREADS 64

typedef struct {
    kk_range_fn fn;
    void *ctx;
    int begin, end, worker;
} share;

static void *run_share(void *p)
{
    share *s = p;
    s->fn(s->ctx, s->begin, s->end, s->worker);
    return NULL;
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
    share sh[KK_MAX_THREADS];
    pthread_t tid[KK_MAX_THREADS];
    int started[KK_MAX_THREADS] = {0};
    for (int w = 0; w < threads; w++) {
        sh[w].fn = fn;
        sh[w].ctx = ctx;
        sh[w].begin = (int)((long)n * w / threads);
        sh[w].end = (int)((long)n * (w + 1) / threads);
        sh[w].worker = w;
    }
    for (int w = 1; w < threads; w++)
        started[w] = pthread_create(&tid[w], NULL, run_share, &sh[w]) == 0;
    run_share(&sh[0]);
    for (int w = 1; w < threads; w++) {
        if (started[w])
            pthread_join(tid[w], NULL);
        else
            run_share(&sh[w]); /* could not start a thread: do its share here */
    }
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
