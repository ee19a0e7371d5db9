#include "server/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double rtf_bounds[KK_HIST_BUCKETS] = {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5};
static const double ttfb_bounds[KK_HIST_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30};

void kk_metrics_init(kk_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->rtf.bounds = rtf_bounds;
    m->ttfb.bounds = ttfb_bounds;
}

void kk_metrics_destroy(kk_metrics *m)
{
    pthread_mutex_destroy(&m->mu);
}

static void observe(kk_histogram *h, double v)
{
    size_t i = 0;
    while (i < KK_HIST_BUCKETS && v > h->bounds[i])
        i++;
    h->counts[i]++;
    h->sum += v;
    h->n++;
}

void kk_metrics_request(kk_metrics *m, const char *method, const char *route, unsigned status)
{
    pthread_mutex_lock(&m->mu);
    size_t i;
    for (i = 0; i < m->n_series; i++)
        if (m->series[i].status == status && !strcmp(m->series[i].route, route) &&
            !strcmp(m->series[i].method, method))
            break;
    if (i == m->n_series && m->n_series < KK_METRICS_MAX_SERIES) {
        m->series[i].route = route;
        m->series[i].method = method;
        m->series[i].status = status;
        m->n_series++;
    }
    if (i < m->n_series)
        m->series[i].n++;
    pthread_mutex_unlock(&m->mu);
}

void kk_metrics_synth(kk_metrics *m, double audio_s, double compute_s)
{
    pthread_mutex_lock(&m->mu);
    m->audio_seconds += audio_s;
    m->synth_seconds += compute_s;
    m->chunks++;
    if (audio_s > 0)
        observe(&m->rtf, compute_s / audio_s);
    pthread_mutex_unlock(&m->mu);
}

void kk_metrics_ttfb(kk_metrics *m, double seconds)
{
    pthread_mutex_lock(&m->mu);
    observe(&m->ttfb, seconds);
    pthread_mutex_unlock(&m->mu);
}

void kk_metrics_busy(kk_metrics *m)
{
    pthread_mutex_lock(&m->mu);
    m->rejected_busy++;
    pthread_mutex_unlock(&m->mu);
}

void kk_metrics_stream_cut(kk_metrics *m)
{
    pthread_mutex_lock(&m->mu);
    m->streams_cut++;
    pthread_mutex_unlock(&m->mu);
}

void kk_metrics_streams(kk_metrics *m, int delta)
{
    pthread_mutex_lock(&m->mu);
    m->active_streams += delta;
    pthread_mutex_unlock(&m->mu);
}

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} sbuf;

static void out(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *nb = realloc(b->buf, cap);
        if (!nb) {
            b->oom = 1;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
}

static void hist(sbuf *b, const char *name, const char *help, const kk_histogram *h)
{
    out(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    unsigned long long cum = 0;
    for (size_t i = 0; i < KK_HIST_BUCKETS; i++) {
        cum += h->counts[i];
        out(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i], cum);
    }
    cum += h->counts[KK_HIST_BUCKETS];
    out(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name, cum, name, h->sum, name, h->n);
}

char *kk_metrics_render(kk_metrics *m, const kk_metrics_gauges *g)
{
    sbuf b = {malloc(8192), 0, 8192, 0};
    if (!b.buf)
        return NULL;
    b.buf[0] = '\0';
    pthread_mutex_lock(&m->mu);
    out(&b, "# HELP kokoro_http_requests_total HTTP requests by route and status.\n"
            "# TYPE kokoro_http_requests_total counter\n");
    for (size_t i = 0; i < m->n_series; i++)
        out(&b, "kokoro_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
            m->series[i].method, m->series[i].route, m->series[i].status, m->series[i].n);
    out(&b, "# HELP kokoro_audio_seconds_total Seconds of audio synthesised.\n"
            "# TYPE kokoro_audio_seconds_total counter\nkokoro_audio_seconds_total %.6f\n",
        m->audio_seconds);
    out(&b, "# HELP kokoro_synthesis_seconds_total Seconds of worker time spent synthesising.\n"
            "# TYPE kokoro_synthesis_seconds_total counter\nkokoro_synthesis_seconds_total %.6f\n",
        m->synth_seconds);
    out(&b, "# HELP kokoro_chunks_total Text chunks synthesised.\n"
            "# TYPE kokoro_chunks_total counter\nkokoro_chunks_total %llu\n", m->chunks);
    out(&b, "# HELP kokoro_rejected_busy_total Requests answered 503 because the queue was full.\n"
            "# TYPE kokoro_rejected_busy_total counter\nkokoro_rejected_busy_total %llu\n",
        m->rejected_busy);
    out(&b, "# HELP kokoro_active_streams Streaming responses in progress.\n"
            "# TYPE kokoro_active_streams gauge\nkokoro_active_streams %ld\n", m->active_streams);
    out(&b, "# HELP kokoro_streams_cut_total Streams the server ended early (shutdown deadline, internal error).\n"
            "# TYPE kokoro_streams_cut_total counter\nkokoro_streams_cut_total %llu\n", m->streams_cut);
    hist(&b, "kokoro_rtf", "Real-time factor per chunk (compute seconds / audio seconds).", &m->rtf);
    hist(&b, "kokoro_time_to_first_byte_seconds", "Time from request to first audio byte.", &m->ttfb);
    pthread_mutex_unlock(&m->mu);
    if (g) {
        out(&b, "# HELP kokoro_queue_depth Requests admitted and not finished.\n"
                "# TYPE kokoro_queue_depth gauge\nkokoro_queue_depth %zu\n", g->queue_jobs);
        out(&b, "# HELP kokoro_queue_pending_chunks Chunks waiting for a worker.\n"
                "# TYPE kokoro_queue_pending_chunks gauge\nkokoro_queue_pending_chunks %zu\n",
            g->queue_pending);
        out(&b, "# HELP kokoro_workers_busy Workers synthesising now.\n"
                "# TYPE kokoro_workers_busy gauge\nkokoro_workers_busy %zu\n", g->running);
        out(&b, "# HELP kokoro_workers Size of the synthesis worker pool.\n"
                "# TYPE kokoro_workers gauge\nkokoro_workers %d\n", g->workers);
        out(&b, "# HELP kokoro_http_connections Open HTTP connections.\n"
                "# TYPE kokoro_http_connections gauge\nkokoro_http_connections %u\n", g->connections);
        out(&b, "# HELP kokoro_queued_audio_seconds Estimated seconds of audio admitted and not yet made.\n"
                "# TYPE kokoro_queued_audio_seconds gauge\nkokoro_queued_audio_seconds %.3f\n", g->queued_audio_s);
        out(&b, "# HELP kokoro_synthesis_rate Audio seconds made per wall second while synthesising (measured).\n"
                "# TYPE kokoro_synthesis_rate gauge\nkokoro_synthesis_rate %.4f\n", g->rate);
        out(&b, "# HELP kokoro_audio_seconds_per_phoneme Audio seconds a phoneme is expected to make "
                "(learnt from the chunks made; admission estimates requests with it).\n"
                "# TYPE kokoro_audio_seconds_per_phoneme gauge\nkokoro_audio_seconds_per_phoneme %.5f\n",
            g->s_per_phoneme);
        out(&b, "# HELP kokoro_queue_wait_limit_seconds Queued audio / rate above which requests get 503.\n"
                "# TYPE kokoro_queue_wait_limit_seconds gauge\nkokoro_queue_wait_limit_seconds %g\n", g->max_wait_s);
        out(&b, "# HELP kokoro_draining 1 while the server drains after SIGTERM.\n"
                "# TYPE kokoro_draining gauge\nkokoro_draining %d\n", g->draining);
    }
    if (b.oom) {
        free(b.buf);
        return NULL;
    }
    return b.buf;
}
