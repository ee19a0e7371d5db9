#include "server/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_for(unsigned status)
{
    if (status == 401)
        return "authentication_error";
    if (status == 403)
        return "permission_error";
    if (status >= 500)
        return "server_error";
    return "invalid_request_error";
}

char *kk_error_body(unsigned status, const char *code, const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddStringToObject(e, "type", type_for(status));
    cJSON_AddStringToObject(e, "code", code);
    cJSON *d = cJSON_AddObjectToObject(root, "detail");
    cJSON_AddStringToObject(d, "error", code);
    cJSON_AddStringToObject(d, "message", message);
    cJSON_AddStringToObject(d, "type", type_for(status));
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

void kk_send_error(kk_req *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *body = kk_error_body(status, code, msg);
    if (!body) {
        kk_req_respond(r, 500, "application/json", "{}", 2);
        return;
    }
    kk_req_respond(r, status, "application/json", body, strlen(body));
    free(body);
}

void kk_send_status_error(kk_req *r, const kokoro_error *err)
{
    unsigned status = 500;
    const char *code = "processing_error";
    switch (err->code) {
    case KOKORO_ERR_INVALID_ARGUMENT:
    case KOKORO_ERR_NOT_FOUND:
    case KOKORO_ERR_UNSUPPORTED:
        status = 400;
        code = "validation_error";
        break;
    case KOKORO_ERR_TOO_LONG:
        status = 413;
        code = "input_too_long";
        break;
    default:
        break;
    }
    kk_send_error(r, status, code, "%s", err->message[0] ? err->message : kokoro_status_name(err->code));
}

void kk_send_json(kk_req *r, unsigned status, cJSON *json)
{
    char *s = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!s) {
        kk_send_error(r, 500, "internal_error", "out of memory");
        return;
    }
    kk_req_respond(r, status, "application/json", s, strlen(s));
    free(s);
}
