/* errors — every HTTP error leaves as OpenAI's {"error":{message,type,code}} plus Kokoro-FastAPI's
 * {"detail":{error,message,type}}, so clients of either read it. */
#ifndef KOKORO_SERVER_ERRORS_H
#define KOKORO_SERVER_ERRORS_H
#include <cjson/cJSON.h>

#include "kokoro.h"
#include "server/http.h"

/* type follows status: 401 authentication_error, 403 permission_error, 5xx server_error,
 * otherwise invalid_request_error. */
void kk_send_error(kk_req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a library failure onto a status and sends it (invalid/not found → 400, too long → 413,
 * unsupported → 400, everything else → 500). */
void kk_send_status_error(kk_req *r, const kokoro_error *err);
/* Serialises json compactly, sends it, frees it. */
void kk_send_json(kk_req *r, unsigned status, cJSON *json);
/* The JSON error body (malloc'd), for use where the response is built elsewhere. */
char *kk_error_body(unsigned status, const char *code, const char *message);
#endif
