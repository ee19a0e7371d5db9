/* GET /health, /v1/test, /metrics and /v1/download/{file}. None of them touches the worker pool,
 * so they answer at once while every worker is busy. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/errors.h"
#include "server/server.h"

void kk_route_health(kk_server *s, kk_req *req)
{
    /* Not ready while draining, so that a load balancer or Kubernetes sends new work elsewhere. */
    if (s->draining) {
        static const char draining[] = "{\"status\":\"draining\"}";
        kk_req_respond(req, 503, "application/json", draining, sizeof draining - 1);
        return;
    }
    static const char body[] = "{\"status\":\"healthy\"}";
    kk_req_respond(req, 200, "application/json", body, sizeof body - 1);
}

void kk_route_test(kk_server *s, kk_req *req)
{
    (void)s;
    static const char body[] = "{\"status\":\"ok\"}";
    kk_req_respond(req, 200, "application/json", body, sizeof body - 1);
}

void kk_route_metrics(kk_server *s, kk_req *req)
{
    kk_sched_stats st;
    kk_sched_get_stats(s->sched, &st);
    kk_admission_stats as;
    kk_admission_get(&s->adm, &as);
    kk_metrics_gauges g = {st.jobs, st.pending_items, st.running_items, st.workers,
                           s->http ? kk_http_connections(s->http) : 0,
                           as.queued_s, as.rate, as.max_wait_s, as.s_per_phoneme,
                           s->draining};
    char *text = kk_metrics_render(&s->metrics, &g);
    if (!text) {
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    kk_req_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    free(text);
}

void kk_route_download(kk_server *s, kk_req *req, const char *name)
{
    if (!kk_downloads_name_ok(name)) {
        kk_send_error(req, 400, "invalid_file_name", "Invalid file name");
        return;
    }
    char *data;
    size_t len;
    if (kk_downloads_read(&s->downloads, name, &data, &len)) {
        kk_send_error(req, 404, "not_found", "File not found: %.128s", name);
        return;
    }
    /* ?name= chooses the save-as name: sanitised, stem at most 100 characters, stored extension kept. */
    const char *want = kk_req_get_query(req, "name");
    const char *ext = strrchr(name, '.');
    char stem[101] = "";
    if (want) {
        size_t k = 0;
        for (const char *p = want; *p && k < 100; p++) {
            unsigned char c = (unsigned char)*p;
            stem[k++] = (isalnum(c) || c == '.' || c == '_' || c == '-') ? (char)c : '_';
        }
        stem[k] = '\0';
        char *dot = strrchr(stem, '.');
        if (dot && dot != stem)
            *dot = '\0';
    }
    char disp[300];
    if (stem[0])
        snprintf(disp, sizeof disp, "attachment; filename=\"%s%s\"", stem, ext ? ext : "");
    else
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    kk_req_header(req, "Content-Disposition", disp);
    kk_req_header(req, "Cache-Control", "no-cache");
    kk_req_respond(req, 200, kk_downloads_mime(name), data, len);
    free(data);
}
