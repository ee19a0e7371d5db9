/* Prometheus exposition of the server metrics: series per (method, route, status), cumulative
 * histogram buckets, sums and counts, gauges. */
#include <stdlib.h>

#include "harness.h"
#include "server/metrics.h"

int main(void)
{
    kk_metrics m;
    kk_metrics_init(&m);
    kk_metrics_request(&m, "POST", "/v1/audio/speech", 200);
    kk_metrics_request(&m, "POST", "/v1/audio/speech", 200);
    kk_metrics_request(&m, "POST", "/v1/audio/speech", 422);
    kk_metrics_request(&m, "GET", "/health", 200);
    kk_metrics_synth(&m, 2.0, 0.1);  /* rtf 0.05 */
    kk_metrics_synth(&m, 1.0, 0.9);  /* rtf 0.9 */
    kk_metrics_synth(&m, 0.0, 0.01); /* a pause: counted, not in the histogram */
    kk_metrics_ttfb(&m, 0.2);
    kk_metrics_ttfb(&m, 100.0);
    kk_metrics_busy(&m);
    kk_metrics_streams(&m, 1);
    kk_metrics_streams(&m, 1);
    kk_metrics_streams(&m, -1);
    kk_metrics_stream_cut(&m);
    kk_metrics_gauges g = {3, 7, 2, 4, 9, 12.5, 1.25, 120, 0.0625, 1};
    char *t = kk_metrics_render(&m, &g);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(t, "kokoro_http_requests_total{method=\"POST\",route=\"/v1/audio/speech\",status=\"200\"} 2\n"));
        CHECK(strstr(t, "kokoro_http_requests_total{method=\"POST\",route=\"/v1/audio/speech\",status=\"422\"} 1\n"));
        CHECK(strstr(t, "kokoro_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1\n"));
        CHECK(strstr(t, "# TYPE kokoro_http_requests_total counter\n"));
        CHECK(strstr(t, "kokoro_audio_seconds_total 3.000000\n"));
        CHECK(strstr(t, "kokoro_synthesis_seconds_total 1.010000\n"));
        CHECK(strstr(t, "kokoro_chunks_total 3\n"));
        CHECK(strstr(t, "kokoro_rejected_busy_total 1\n"));
        CHECK(strstr(t, "kokoro_active_streams 1\n"));
        CHECK(strstr(t, "kokoro_rtf_bucket{le=\"0.02\"} 0\n"));
        CHECK(strstr(t, "kokoro_rtf_bucket{le=\"0.05\"} 1\n"));
        CHECK(strstr(t, "kokoro_rtf_bucket{le=\"0.75\"} 1\n"));
        CHECK(strstr(t, "kokoro_rtf_bucket{le=\"1\"} 2\n"));
        CHECK(strstr(t, "kokoro_rtf_bucket{le=\"+Inf\"} 2\n"));
        CHECK(strstr(t, "kokoro_rtf_count 2\n"));
        CHECK(strstr(t, "kokoro_time_to_first_byte_seconds_bucket{le=\"0.25\"} 1\n"));
        CHECK(strstr(t, "kokoro_time_to_first_byte_seconds_bucket{le=\"30\"} 1\n"));
        CHECK(strstr(t, "kokoro_time_to_first_byte_seconds_bucket{le=\"+Inf\"} 2\n"));
        CHECK(strstr(t, "kokoro_time_to_first_byte_seconds_sum 100.200000\n"));
        CHECK(strstr(t, "kokoro_queue_depth 3\n"));
        CHECK(strstr(t, "kokoro_queue_pending_chunks 7\n"));
        CHECK(strstr(t, "kokoro_workers_busy 2\n"));
        CHECK(strstr(t, "kokoro_workers 4\n"));
        CHECK(strstr(t, "kokoro_http_connections 9\n"));
        CHECK(strstr(t, "kokoro_streams_cut_total 1\n"));
        CHECK(strstr(t, "kokoro_queued_audio_seconds 12.500\n"));
        CHECK(strstr(t, "kokoro_synthesis_rate 1.2500\n"));
        CHECK(strstr(t, "kokoro_audio_seconds_per_phoneme 0.06250\n"));
        CHECK(strstr(t, "kokoro_queue_wait_limit_seconds 120\n"));
        CHECK(strstr(t, "kokoro_draining 1\n"));
        /* every non-comment line is "name{labels} value" or "name value" */
        for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
            if (line[0] != '#')
                CHECK_MSG(strrchr(line, ' ') && strrchr(line, ' ')[1] != '\0', "bad line: %s", line);
        free(t);
    }
    kk_metrics_destroy(&m);
    return HARNESS_RETURN();
}
