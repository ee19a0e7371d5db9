/* metrics — counters and histograms exported at GET /metrics in Prometheus text format. */
#ifndef KOKORO_SERVER_METRICS_H
#define KOKORO_SERVER_METRICS_H
#include <pthread.h>
#include <stddef.h>

#define KK_METRICS_MAX_SERIES 256
#define KK_HIST_BUCKETS 10

typedef struct {
    const double *bounds; /* KK_HIST_BUCKETS upper bounds, ascending */
    unsigned long long counts[KK_HIST_BUCKETS + 1];
    double sum;
    unsigned long long n;
} kk_histogram;

typedef struct {
    pthread_mutex_t mu;
    struct {
        const char *route; /* static string */
        const char *method;
        unsigned status;
        unsigned long long n;
    } series[KK_METRICS_MAX_SERIES];
    size_t n_series;
    double audio_seconds, synth_seconds;
    unsigned long long chunks, rejected_busy, streams_cut;
    long active_streams;
    kk_histogram rtf, ttfb;
} kk_metrics;

void kk_metrics_init(kk_metrics *m);
void kk_metrics_destroy(kk_metrics *m);
void kk_metrics_request(kk_metrics *m, const char *method, const char *route, unsigned status);
/* One synthesised chunk: seconds of audio and seconds of compute it took. */
void kk_metrics_synth(kk_metrics *m, double audio_s, double compute_s);
void kk_metrics_ttfb(kk_metrics *m, double seconds);
void kk_metrics_busy(kk_metrics *m);
void kk_metrics_streams(kk_metrics *m, int delta);
/* A stream the server ended before its end (shutdown deadline, internal error). */
void kk_metrics_stream_cut(kk_metrics *m);

typedef struct {
    size_t queue_jobs, queue_pending, running;
    int workers;
    unsigned connections;
    double queued_audio_s, rate, max_wait_s, s_per_phoneme;
    int draining;
} kk_metrics_gauges;

/* Renders the exposition text (malloc'd). */
char *kk_metrics_render(kk_metrics *m, const kk_metrics_gauges *g);
#endif
