/* The compute pool: every index done exactly once with the right worker index, by one caller or
 * several callers sharing a pool at once, nested calls, pools without workers, and the public
 * kokoro_pool giving the same audio as a call's own threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "harness.h"
#include "kokoro.h"
#include "nn/parallel.h"

#define N_ITEMS 1000

typedef struct {
    atomic_int hits[N_ITEMS];
    int threads;
    atomic_int bad_worker;
    atomic_int nested_sum;
} count_job;

static void count_range(void *p, int b, int e, int worker)
{
    count_job *j = p;
    if (worker < 0 || worker >= j->threads)
        atomic_fetch_add(&j->bad_worker, 1);
    for (int i = b; i < e; i++)
        atomic_fetch_add(&j->hits[i], 1);
}

static void inner_sum(void *p, int b, int e, int worker)
{
    (void)worker;
    atomic_fetch_add((atomic_int *)p, e - b);
}

static void nested_range(void *p, int b, int e, int worker)
{
    count_job *j = p;
    count_range(p, b, e, worker);
    atomic_int local;
    atomic_init(&local, 0);
    kk_parallel_for(3, 10, inner_sum, &local); /* a share's own parallel step */
    atomic_fetch_add(&j->nested_sum, atomic_load(&local));
}

static int run_counts(int threads, kk_range_fn fn, int rounds)
{
    count_job *j = calloc(1, sizeof *j);
    j->threads = threads;
    int ok = 1;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < N_ITEMS; i++)
            atomic_store(&j->hits[i], 0);
        atomic_store(&j->nested_sum, 0);
        kk_parallel_for(threads, N_ITEMS, fn, j);
        for (int i = 0; i < N_ITEMS; i++)
            ok &= atomic_load(&j->hits[i]) == 1;
        if (fn == nested_range)
            ok &= atomic_load(&j->nested_sum) == 10 * (threads < N_ITEMS ? threads : N_ITEMS);
    }
    ok &= atomic_load(&j->bad_worker) == 0;
    free(j);
    return ok;
}

typedef struct {
    kk_pool *pool;
    int threads, ok;
} caller_arg;

static void *caller_main(void *p)
{
    caller_arg *a = p;
    kk_pool_attach(a->pool);
    a->ok = run_counts(a->threads, count_range, 300) && run_counts(a->threads, nested_range, 20);
    kk_pool_attach(NULL);
    return NULL;
}

int main(void)
{
    /* no pool: a thread per share (the reference path) */
    CHECK(run_counts(1, count_range, 3));
    CHECK(run_counts(4, count_range, 3));
    CHECK(run_counts(4, nested_range, 3));

    /* one caller on a pool, more shares than threads, fewer items than shares */
    kk_pool *pool = kk_pool_new(3);
    CHECK(pool != NULL);
    CHECK(kk_pool_workers(pool) == 3);
    CHECK(kk_pool_attach(pool) == NULL);
    CHECK(run_counts(4, count_range, 500));
    CHECK(run_counts(8, count_range, 100));
    CHECK(run_counts(4, nested_range, 50));
    count_job *tiny = calloc(1, sizeof *tiny);
    tiny->threads = 64;
    kk_parallel_for(64, 5, count_range, tiny);
    for (int i = 0; i < 5; i++)
        CHECK(atomic_load(&tiny->hits[i]) == 1);
    CHECK(atomic_load(&tiny->bad_worker) == 0);
    free(tiny);
    CHECK(kk_pool_attach(NULL) == pool);

    /* four callers sharing the pool at once */
    pthread_t tid[4];
    caller_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].pool = pool;
        args[i].threads = 2 + i;
        args[i].ok = 0;
        CHECK(pthread_create(&tid[i], NULL, caller_main, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(tid[i], NULL);
        CHECK_MSG(args[i].ok, "caller %d", i);
    }
    kk_pool_free(pool);

    /* a pool without workers runs everything on the caller */
    kk_pool *none = kk_pool_new(0);
    CHECK(none != NULL && kk_pool_workers(none) == 0);
    kk_pool_attach(none);
    CHECK(run_counts(4, count_range, 3));
    kk_pool_attach(NULL);
    kk_pool_free(none);

    /* public API: bad count refused, a pool given to synthesis changes nothing in the audio */
    kokoro_error err;
    kokoro_pool *pp = NULL;
    CHECK(kokoro_pool_new(-1, &pp, &err) == KOKORO_ERR_INVALID_ARGUMENT && pp == NULL);
    CHECK(kokoro_pool_new(3, &pp, &err) == KOKORO_OK && pp != NULL);
    kokoro_model *model = NULL;
    kokoro_voice *voice = NULL;
    if (kokoro_model_load(KOKORO_FIXTURES "/golden/kokoro-tiny.pth", NULL, &model, &err) == KOKORO_OK &&
        kokoro_voice_load(KOKORO_FIXTURES "/golden/voices/tv_alpha.pt", &voice, &err) == KOKORO_OK) {
        kokoro_synth_options opt;
        kokoro_synth_options_init(&opt);
        opt.seed = 3;
        opt.threads = 1;
        kokoro_audio a1, a2;
        const char *ps = "həlˈO wˈɜɹld, ðɪs ɪz ə tˈɛst.";
        CHECK(kokoro_synthesize(model, voice, ps, &opt, &a1, &err) == KOKORO_OK);
        opt.threads = 0;
        opt.pool = pp;
        CHECK(kokoro_synthesize(model, voice, ps, &opt, &a2, &err) == KOKORO_OK);
        CHECK(a1.n_samples == a2.n_samples && a1.n_samples > 0);
        double worst = 0.0;
        for (size_t i = 0; i < a1.n_samples && i < a2.n_samples; i++) {
            double d = fabs((double)a1.samples[i] - a2.samples[i]);
            worst = d > worst ? d : worst;
        }
        CHECK_MSG(worst == 0.0, "pool vs 1 thread differ by %g", worst);
        kokoro_audio_free(&a1);
        kokoro_audio_free(&a2);
    } else {
        CHECK_MSG(0, "fixture model: %s", err.message);
    }
    kokoro_voice_free(voice);
    kokoro_model_free(model);
    kokoro_pool_free(pp);
    return HARNESS_RETURN();
}
