/* GET /v1/audio/voices and POST /v1/audio/voices/combine. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/pt_writer.h"
#include "model/voice.h"
#include "server/errors.h"
#include "server/request.h"
#include "server/voice_pick.h"

void kk_route_voices(kk_server *s, kk_req *req)
{
    const char *legacy_q = kk_req_get_query(req, "legacy");
    int legacy = legacy_q && (!strcasecmp(legacy_q, "true") || !strcmp(legacy_q, "1") ||
                              !strcasecmp(legacy_q, "yes") || !strcasecmp(legacy_q, "on"));
    if (legacy_q && !legacy && strcasecmp(legacy_q, "false") && strcmp(legacy_q, "0") &&
        strcasecmp(legacy_q, "no") && strcasecmp(legacy_q, "off")) {
        kk_send_error(req, 422, "validation_error", "'legacy' must be a boolean");
        return;
    }
    char **names = NULL;
    size_t n = 0;
    kokoro_error err;
    if (kk_voices_list(s->cfg->voices_dir, &names, &n, &err) != KOKORO_OK) {
        names = NULL;
        n = 0; /* a missing folder lists no voices, as Kokoro-FastAPI's glob does */
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "voices");
    for (size_t i = 0; i < n; i++) {
        if (legacy) {
            cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
        } else {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "id", names[i]);
            cJSON_AddStringToObject(v, "name", names[i]);
            cJSON_AddItemToArray(arr, v);
        }
    }
    kk_voices_list_free(names, n);
    kk_send_json(req, 200, root);
}

/* The body is a JSON string "a+b" / "a(2)-b" or a list ["a", "b"] (equal weights). */
void kk_route_voices_combine(kk_server *s, kk_req *req)
{
    if (!s->cfg->allow_voice_saving) {
        kk_send_error(req, 403, "permission_denied",
                      "Local voice saving is disabled; start the server with ALLOW_LOCAL_VOICE_SAVING=true");
        return;
    }
    if (!kk_utf8_valid(req->body, req->body_len)) {
        kk_send_error(req, 400, "invalid_encoding", "request body is not valid UTF-8");
        return;
    }
    cJSON *root = kk_json_parse_strict(req->body, req->body_len);
    if (!root) {
        kk_send_error(req, 422, "invalid_json", "request body is not valid JSON");
        return;
    }
    char expr_s[2048] = "";
    int bad = 0;
    if (cJSON_IsString(root)) {
        snprintf(expr_s, sizeof expr_s, "%s", root->valuestring);
    } else if (cJSON_IsArray(root)) {
        size_t off = 0;
        cJSON *it;
        cJSON_ArrayForEach(it, root) {
            if (!cJSON_IsString(it)) {
                bad = 1;
                break;
            }
            int n = snprintf(expr_s + off, sizeof expr_s - off, "%s%s", off ? "+" : "", it->valuestring);
            if (n < 0 || (size_t)n >= sizeof expr_s - off) {
                bad = 1;
                break;
            }
            off += (size_t)n;
        }
    } else {
        bad = 1;
    }
    cJSON_Delete(root);
    if (bad) {
        kk_send_error(req, 422, "validation_error",
                      "body must be a voice expression string (\"a+b\", \"a(2)+b(1)\") or a list of voice names");
        return;
    }
    kk_voice_mix expr;
    kokoro_voice *v;
    if (kk_voice_pick(s, req, expr_s, &expr, &v))
        return;
    if (expr.n < 2) {
        kokoro_voice_free(v);
        kk_send_error(req, 400, "validation_error", "combine needs at least two voices");
        return;
    }
    uint8_t *pt;
    size_t len;
    kokoro_error err;
    kokoro_status st = kk_voice_write_pt(v, &pt, &len, &err);
    kokoro_voice_free(v);
    if (st != KOKORO_OK) {
        kk_send_status_error(req, &err);
        return;
    }
    /* The file name is the expression with spaces removed; quotes are impossible (grammar). */
    char disp[2200], compact[2048];
    size_t k = 0;
    for (const char *p = expr_s; *p && k + 1 < sizeof compact; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            compact[k++] = *p;
    compact[k] = '\0';
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.pt\"", compact);
    kk_req_header(req, "Content-Disposition", disp);
    kk_req_header(req, "Cache-Control", "no-cache");
    kk_req_respond(req, 200, "application/octet-stream", pt, len);
    free(pt);
}
