/* Startup and shutdown of `kokoro serve`. Everything that can fail is done before the port opens,
 * so a server that accepted a connection has a model to answer with. */
#include "server/server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/voice.h"
#include "nn/parallel.h"

static size_t in_flight(kk_server *s)
{
    kk_admission_stats st;
    kk_admission_get(&s->adm, &st);
    return st.tickets;
}

/* Draining: the port stays open so that new requests get a quick 503 (and /health says not ready)
 * rather than a refused connection, while admitted requests, streams included, run to their end
 * within SHUTDOWN_TIMEOUT_S. Whatever is left then is cut, detectably (see synth.c). */
static void shutdown_gracefully(kk_server *s)
{
    s->draining = 1;
    double deadline = kk_now() + s->cfg->shutdown_timeout_s;
    while (in_flight(s) > 0 && kk_now() < deadline) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kk_http_quiesce(s->http);
    size_t left = in_flight(s);
    if (left)
        fprintf(stderr, "kokoro serve: drain deadline (%g s) reached; cutting %zu unfinished request%s\n",
                s->cfg->shutdown_timeout_s, left, left == 1 ? "" : "s");
    else
        fprintf(stderr, "kokoro serve: drained\n");
    s->stopping = 1; /* open streams notice within one poll and end */
    kk_http_stop(s->http);
    s->http = NULL;
}

int kk_server_run(const kk_settings *cfg)
{
    /* Signals are taken synchronously by this thread; every thread created below inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    kk_server s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    kokoro_error err;
    if (kokoro_model_load(cfg->model_path, cfg->config_path[0] ? cfg->config_path : NULL, &s.model, &err) !=
        KOKORO_OK) {
        fprintf(stderr, "kokoro serve: cannot load model '%s': %s\n", cfg->model_path, err.message);
        return 1;
    }
    char **names = NULL;
    size_t n_voices = 0;
    if (kk_voices_list(cfg->voices_dir, &names, &n_voices, &err) == KOKORO_OK)
        kk_voices_list_free(names, n_voices);
    if (n_voices == 0)
        fprintf(stderr, "kokoro serve: warning: no voices (.pt or .bin) in '%s'\n", cfg->voices_dir);
    if (cfg->precision == KOKORO_PRECISION_BF16 &&
        kokoro_precision_effective(cfg->precision) != KOKORO_PRECISION_BF16)
        fprintf(stderr, "kokoro serve: note: KOKORO_PRECISION=bf16 but no bf16 kernel runs here "
                        "(see kokoro help say); computing in float32\n");
    if (kokoro_frontend_new(&s.fe, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro serve: cannot start the text front end: %s\n", err.message);
        kokoro_model_free(s.model);
        return 1;
    }
    char msg[512];
    if (kk_downloads_init(&s.downloads, cfg->temp_dir, cfg->max_temp_count, cfg->max_temp_age_hours,
                          cfg->max_temp_size_mb, msg, sizeof msg)) {
        fprintf(stderr, "kokoro serve: %s\n", msg);
        kokoro_frontend_free(s.fe);
        kokoro_model_free(s.model);
        return 1;
    }
    kk_metrics_init(&s.metrics);
    /* A non-streamed request is only useful if it can finish before its deadline. */
    kk_admission_init(&s.adm, cfg->max_queue_wait_s < cfg->request_timeout_s ? cfg->max_queue_wait_s
                                                                               : cfg->request_timeout_s);
    /* One pool for all chunks: a lone chunk computes on every core, concurrent ones share them
     * first come first served instead of each starting threads of its own. */
    int rc = 1;
    if (kokoro_pool_new(cfg->threads, &s.pool, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro serve: %s\n", err.message);
        goto out;
    }
    s.sched = kk_sched_new(cfg->workers, cfg->max_queue);
    if (!s.sched) {
        fprintf(stderr, "kokoro serve: cannot start %d worker threads\n", cfg->workers);
        goto out;
    }
    kk_sched_set_first_exclusive(s.sched, 1);
    kk_http_limits lim = {cfg->max_body_bytes, cfg->max_connections, cfg->idle_timeout_s, cfg->body_timeout_s};
    s.http = kk_http_start(cfg->host, cfg->port, &lim, kk_router_handle, kk_router_done, &s, msg, sizeof msg);
    if (!s.http) {
        fprintf(stderr, "kokoro serve: %s\n", msg);
        goto out;
    }
    fprintf(stderr, "kokoro serve: listening on http://%s:%d (model %s, %zu voices, %d workers, %d compute threads)\n",
            strchr(cfg->host, ':') ? "[::]" : cfg->host, kk_http_port(s.http), cfg->model_path, n_voices,
            cfg->workers, kk_pool_workers(s.pool) + 1);
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig == SIGTERM || sig == SIGINT) {
            fprintf(stderr, "kokoro serve: %s received, shutting down\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (sig < 0 && errno != EINTR)
            break;
    }
    shutdown_gracefully(&s);
    rc = 0;
out:
    kk_http_stop(s.http);
    kk_sched_free(s.sched);
    kokoro_pool_free(s.pool);
    kk_metrics_destroy(&s.metrics);
    kk_admission_destroy(&s.adm);
    kk_downloads_destroy(&s.downloads);
    kokoro_frontend_free(s.fe);
    kokoro_model_free(s.model);
    if (rc == 0)
        fprintf(stderr, "kokoro serve: stopped\n");
    return rc;
}
