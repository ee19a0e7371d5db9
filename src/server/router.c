/* Dispatch by method and path, with CORS before auth (preflights carry no credentials), then the
 * access log and request metrics once each request is over. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "server/errors.h"
#include "server/server.h"

typedef enum { EXACT, PREFIX } match_kind;

typedef struct {
    const char *method;
    const char *path;
    match_kind kind;
    const char *label;
    int open; /* reachable without an API key unless PROTECT_HEALTH_METRICS */
} route;

enum {
    R_HEALTH, R_METRICS, R_TEST, R_MODELS, R_MODEL, R_VOICES, R_COMBINE, R_SPEECH, R_DOWNLOAD,
    R_CAPTIONED, R_PHONEMIZE, R_FROM_PHONEMES, R_DIALOGUE, R_SSML_INFO, R_SSML, R_WEB, R_WEB_ROOT, N_ROUTES
};

static const route routes[N_ROUTES] = {
    [R_HEALTH] = {"GET", "/health", EXACT, "/health", 1},
    [R_METRICS] = {"GET", "/metrics", EXACT, "/metrics", 1},
    [R_TEST] = {"GET", "/v1/test", EXACT, "/v1/test", 0},
    [R_MODELS] = {"GET", "/v1/models", EXACT, "/v1/models", 0},
    [R_MODEL] = {"GET", "/v1/models/", PREFIX, "/v1/models/{id}", 0},
    [R_VOICES] = {"GET", "/v1/audio/voices", EXACT, "/v1/audio/voices", 0},
    [R_COMBINE] = {"POST", "/v1/audio/voices/combine", EXACT, "/v1/audio/voices/combine", 0},
    [R_SPEECH] = {"POST", "/v1/audio/speech", EXACT, "/v1/audio/speech", 0},
    [R_DOWNLOAD] = {"GET", "/v1/download/", PREFIX, "/v1/download/{file}", 0},
    [R_CAPTIONED] = {"POST", "/dev/captioned_speech", EXACT, "/dev/captioned_speech", 0},
    [R_PHONEMIZE] = {"POST", "/dev/phonemize", EXACT, "/dev/phonemize", 0},
    [R_FROM_PHONEMES] = {"POST", "/dev/generate_from_phonemes", EXACT, "/dev/generate_from_phonemes", 0},
    [R_DIALOGUE] = {"POST", "/dev/dialogue", EXACT, "/dev/dialogue", 0},
    [R_SSML_INFO] = {"GET", "/dev/ssml", EXACT, "/dev/ssml", 0},
    [R_SSML] = {"POST", "/dev/ssml", EXACT, "/dev/ssml", 0},
    [R_WEB] = {"GET", "/web/", PREFIX, "/web/{file}", 1}, /* before R_WEB_ROOT: "/web/" is a file */
    [R_WEB_ROOT] = {"GET", "/web", EXACT, "/web", 1},
};

static int path_matches(const route *r, const char *path)
{
    if (r->kind == EXACT)
        return strcmp(path, r->path) == 0 || (strncmp(path, r->path, strlen(r->path)) == 0 &&
                                              strcmp(path + strlen(r->path), "/") == 0);
    return strncmp(path, r->path, strlen(r->path)) == 0;
}

void kk_router_handle(void *app, kk_req *req)
{
    kk_server *s = app;
    req->route = "other";
    if (kk_cors_apply(s, req)) {
        req->route = "preflight";
        return;
    }
    int found = -1, path_known = 0;
    for (int i = 0; i < N_ROUTES; i++) {
        if (!path_matches(&routes[i], req->path))
            continue;
        path_known = 1;
        if (!strcmp(routes[i].method, req->method) ||
            (!strcmp(req->method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
            found = i;
            break;
        }
    }
    if (found < 0) {
        if (path_known) {
            if (!strcmp(req->method, "OPTIONS")) {
                kk_req_header(req, "Allow", "GET, POST, OPTIONS");
                kk_req_respond(req, 204, NULL, "", 0);
                return;
            }
            kk_send_error(req, 405, "method_not_allowed", "Method %.16s not allowed on %.200s", req->method,
                          req->path);
        } else {
            kk_send_error(req, 404, "not_found", "Not Found: %.200s", req->path);
        }
        return;
    }
    const route *r = &routes[found];
    req->route = r->label;
    int web = found == R_WEB_ROOT || found == R_WEB;
    if (!web && (!r->open || s->cfg->protect_health) && !kk_auth_check(s, req))
        return;
    const char *tail = req->path + strlen(r->path);
    switch (found) {
    case R_HEALTH: kk_route_health(s, req); break;
    case R_METRICS: kk_route_metrics(s, req); break;
    case R_TEST: kk_route_test(s, req); break;
    case R_MODELS: kk_route_models(s, req); break;
    case R_MODEL: kk_route_model(s, req, tail); break;
    case R_VOICES: kk_route_voices(s, req); break;
    case R_COMBINE: kk_route_voices_combine(s, req); break;
    case R_SPEECH: kk_route_speech(s, req); break;
    case R_DOWNLOAD: kk_route_download(s, req, tail); break;
    case R_CAPTIONED: kk_route_captioned_speech(s, req); break;
    case R_PHONEMIZE: kk_route_phonemize(s, req); break;
    case R_FROM_PHONEMES: kk_route_generate_from_phonemes(s, req); break;
    case R_DIALOGUE: kk_route_dialogue(s, req); break;
    case R_SSML_INFO: kk_route_ssml_info(s, req); break;
    case R_SSML: kk_route_ssml(s, req); break;
    case R_WEB_ROOT: kk_route_web(s, req, NULL); break;
    case R_WEB: kk_route_web(s, req, tail); break;
    default: kk_send_error(req, 404, "not_found", "Not Found"); break;
    }
}

void kk_router_done(void *app, kk_req *req, int aborted)
{
    kk_server *s = app;
    const char *route = req->route ? req->route : "other";
    unsigned status = req->status ? req->status : 499; /* nginx's "client closed request" */
    /* Metrics keep the label pointers: only static strings may go in. */
    static const char *const methods[] = {"GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE", "PATCH"};
    const char *method = "other";
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (req->method && !strcmp(req->method, methods[i]))
            method = methods[i];
    kk_metrics_request(&s->metrics, method, route, status);
    int speechy = !strcmp(route, "/v1/audio/speech") || !strcmp(route, "/dev/captioned_speech") ||
                  !strcmp(route, "/dev/generate_from_phonemes");
    if (speechy && status == 200 && req->t_first_byte > 0)
        kk_metrics_ttfb(&s->metrics, req->t_first_byte - req->t_start);
    if (!s->cfg->access_log)
        return;
    char ip[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip, sizeof ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip, sizeof ip);
    }
    double ms = (kk_now() - req->t_start) * 1000.0;
    fprintf(stderr, "access: %s \"%s %.200s\" %u %zu %.1fms audio=%.2fs%s\n", ip, req->method, req->path,
            status, req->bytes_sent, ms, req->audio_seconds, aborted ? " aborted" : "");
}
