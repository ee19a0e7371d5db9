/* server — the state `kokoro serve` shares between its routes: settings, the one read-only model,
 * the text front end, the worker pool, metrics and the download store. */
#ifndef KOKORO_SERVER_SERVER_H
#define KOKORO_SERVER_SERVER_H
#include "kokoro.h"
#include "server/admission.h"
#include "server/downloads.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/scheduler.h"
#include "server/settings.h"

typedef struct kk_server {
    const kk_settings *cfg;
    kokoro_model *model;
    kokoro_frontend *fe;
    kk_sched *sched;
    kokoro_pool *pool; /* compute threads every chunk's parallel work shares */
    kk_admission adm;
    kk_metrics metrics;
    kk_downloads downloads;
    kk_http *http;
    volatile int draining; /* SIGTERM/SIGINT seen: /health is not ready, new synthesis gets 503 */
    volatile int stopping; /* the drain deadline passed: in-flight work may be cut */
} kk_server;

/* Loads the model, opens the port and serves until SIGTERM/SIGINT. Returns the process exit
 * code: 0 after a clean shutdown, 1 when startup failed (one line on stderr). */
int kk_server_run(const kk_settings *cfg);

/* ---- routing (router.c) */
void kk_router_handle(void *app, kk_req *req);
void kk_router_done(void *app, kk_req *req, int aborted);

/* ---- middleware */
/* 1 if the request may proceed; otherwise a 401 has been sent. */
int kk_auth_check(kk_server *s, kk_req *req);
/* Adds CORS headers when the Origin is allowed; answers a preflight (returns 1) when it is one. */
int kk_cors_apply(kk_server *s, kk_req *req);

/* ---- routes */
/* The request body as a JSON object; NULL after answering 400 (not UTF-8) or 422 (not an object). */
struct cJSON *kk_req_json_object(kk_req *req);

void kk_route_speech(kk_server *s, kk_req *req);
void kk_route_captioned_speech(kk_server *s, kk_req *req);
void kk_route_voices(kk_server *s, kk_req *req);
void kk_route_voices_combine(kk_server *s, kk_req *req);
void kk_route_models(kk_server *s, kk_req *req);
void kk_route_model(kk_server *s, kk_req *req, const char *id);
void kk_route_download(kk_server *s, kk_req *req, const char *name);
void kk_route_health(kk_server *s, kk_req *req);
void kk_route_test(kk_server *s, kk_req *req);
void kk_route_metrics(kk_server *s, kk_req *req);
void kk_route_phonemize(kk_server *s, kk_req *req);
void kk_route_generate_from_phonemes(kk_server *s, kk_req *req);
void kk_route_dialogue(kk_server *s, kk_req *req);
void kk_route_ssml_info(kk_server *s, kk_req *req);
void kk_route_ssml(kk_server *s, kk_req *req);
/* path: what follows "/web/", or NULL for "/web" itself. */
void kk_route_web(kk_server *s, kk_req *req, const char *path);
#endif
