/* POST /dev/dialogue (turns of {voice, text} spoken as one stream) and GET/POST /dev/ssml (what
 * SSML is understood; SSML translated to the native tags). Dialogue turns are rewritten into the
 * tag text `[voice:V] text [pause:Xs] [voice:V2] ...`, as Kokoro-FastAPI does, and go through the
 * same request parser and plan as /v1/audio/speech with tags forced on. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/errors.h"
#include "server/request.h"
#include "server/speech_plan.h"
#include "server/ssml.h"
#include "server/synth.h"
#include "server/voice_tags.h"
#include "text/sbuf.h"

/* The turns as tag text; NULL after responding. *first_voice borrows from root; *spans (malloc'd)
 * receives where each turn's text is in the result. */
static char *turns_text(kk_req *req, cJSON *root, const char **first_voice, size_t **spans, size_t *n_turns)
{
    cJSON *turns = cJSON_GetObjectItemCaseSensitive(root, "turns");
    if (!turns || cJSON_IsNull(turns))
        turns = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    if (!cJSON_IsArray(turns) || cJSON_GetArraySize(turns) < 1) {
        kk_send_error(req, 422, "validation_error", "'turns' must be a list of at least one {voice, text}");
        return NULL;
    }
    double pause = 0;
    cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "pause_between_turns");
    if (pv && !cJSON_IsNull(pv)) {
        if (!cJSON_IsNumber(pv) || !isfinite(pv->valuedouble) || pv->valuedouble < 0 || pv->valuedouble > 10) {
            kk_send_error(req, 422, "validation_error", "'pause_between_turns' must be a number from 0 to 10");
            return NULL;
        }
        pause = pv->valuedouble;
    }
    kk_sbuf b;
    kk_sbuf_init(&b);
    size_t n = (size_t)cJSON_GetArraySize(turns);
    *spans = malloc(2 * n * sizeof **spans);
    if (!*spans) {
        kk_send_error(req, 500, "internal_error", "out of memory");
        return NULL;
    }
    *n_turns = n;
    int i = 0;
    for (cJSON *t = turns->child; t; t = t->next, i++) {
        cJSON *v = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "voice") : NULL;
        if (!v || cJSON_IsNull(v))
            v = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "voice_id") : NULL;
        cJSON *x = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "text") : NULL;
        if (!cJSON_IsString(v) || !cJSON_IsString(x)) {
            kk_send_error(req, 422, "validation_error", "turns[%d] must be {\"voice\": string, \"text\": string}", i);
            kk_sbuf_free(&b);
            free(*spans);
            *spans = NULL;
            return NULL;
        }
        const char *tx = x->valuestring;
        while (*tx == ' ' || *tx == '\t' || *tx == '\n' || *tx == '\r')
            tx++;
        if (!*tx) {
            kk_send_error(req, 422, "validation_error", "turns[%d].text must not be blank", i);
            kk_sbuf_free(&b);
            free(*spans);
            *spans = NULL;
            return NULL;
        }
        if (!kk_tag_voice_chars_ok(v->valuestring)) {
            kk_send_error(req, 400, "validation_error", "turns[%d].voice '%.64s' is not a voice name", i,
                          v->valuestring);
            kk_sbuf_free(&b);
            free(*spans);
            *spans = NULL;
            return NULL;
        }
        if (i == 0)
            *first_voice = v->valuestring;
        char pz[48] = "";
        if (i > 0 && pause > 0)
            snprintf(pz, sizeof pz, " [pause:%.3fs]", pause);
        kk_sbuf_adds(&b, pz);
        kk_sbuf_adds(&b, i ? " [voice:" : "[voice:");
        kk_sbuf_adds(&b, v->valuestring);
        kk_sbuf_adds(&b, "] ");
        (*spans)[2 * i] = b.len;
        kk_sbuf_adds(&b, x->valuestring);
        (*spans)[2 * i + 1] = b.len;
    }
    char *out = b.oom ? NULL : kk_sbuf_take(&b);
    kk_sbuf_free(&b);
    if (!out) {
        kk_send_error(req, 500, "internal_error", "out of memory");
        free(*spans);
        *spans = NULL;
    }
    return out;
}

void kk_route_dialogue(kk_server *s, kk_req *req)
{
    if (!s->cfg->enable_voice_tags) {
        kk_send_error(req, 403, "permission_denied", "/dev/dialogue needs voice tags (ENABLE_VOICE_TAGS=false)");
        return;
    }
    cJSON *root = kk_req_json_object(req);
    if (!root)
        return;
    const char *first_ref = NULL;
    size_t *spans = NULL, n_turns = 0;
    char *text = turns_text(req, root, &first_ref, &spans, &n_turns);
    /* A copy: the turns (which hold the string) are deleted from root below. */
    char *first = text ? strdup(first_ref) : NULL;
    if (!text || !first) {
        if (text)
            kk_send_error(req, 500, "internal_error", "out of memory");
        free(text);
        free(spans);
        cJSON_Delete(root);
        return;
    }
    /* The same body as a speech request: input = the tag text, voice = the first turn's. */
    static const char *const drop[] = {"turns", "inputs", "pause_between_turns", "input", "voice",
                                       "allow_voice_tags", "ssml"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(root, drop[i]);
    cJSON_AddStringToObject(root, "input", text);
    cJSON_AddStringToObject(root, "voice", first);
    cJSON_AddBoolToObject(root, "allow_voice_tags", 1);
    free(text);
    free(first);
    char *body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!body) {
        free(spans);
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    kk_request_rules rules = {s->cfg->max_input_chars, s->cfg->default_voice, 0};
    kk_speech_request q;
    kk_parse_error pe;
    int rc = kk_speech_request_parse(body, strlen(body), &rules, &q, &pe);
    free(body);
    if (rc) {
        kk_send_error(req, pe.status, pe.code, "%s", pe.message);
        free(spans);
        return;
    }
    kk_synth_params p;
    if (kk_speech_plan(s, &q, 0, &p, &pe)) {
        kk_send_error(req, pe.status, pe.code, "%s", pe.message);
        kk_speech_request_free(&q);
        free(spans);
        return;
    }
    kk_speech_request_free(&q);
    /* The plan's input is the turns' tag text itself (no SSML here), so the spans apply as they are. */
    p.turn_spans = spans;
    p.n_turns = n_turns;
    kk_synth_respond(s, req, &p);
}

void kk_route_ssml_info(kk_server *s, kk_req *req)
{
    (void)s;
    char *caps = kk_ssml_capabilities();
    cJSON *o = caps ? cJSON_Parse(caps) : NULL;
    free(caps);
    if (!o) {
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    kk_send_json(req, 200, o);
}

void kk_route_ssml(kk_server *s, kk_req *req)
{
    if (!s->cfg->enable_ssml) {
        kk_send_error(req, 403, "permission_denied", "SSML is disabled on this server (ENABLE_SSML=false)");
        return;
    }
    cJSON *root = kk_req_json_object(req);
    if (!root)
        return;
    cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "text"), *v = cJSON_GetObjectItemCaseSensitive(root, "voice");
    if (!cJSON_IsString(t) || (v && !cJSON_IsNull(v) && !cJSON_IsString(v))) {
        kk_send_error(req, 422, "validation_error", "'text' (string) is required; 'voice' is a string");
        cJSON_Delete(root);
        return;
    }
    if (kk_utf8_count(t->valuestring) > s->cfg->max_input_chars) {
        kk_send_error(req, 413, "input_too_long", "text is longer than %zu characters", s->cfg->max_input_chars);
        cJSON_Delete(root);
        return;
    }
    const char *voice = cJSON_IsString(v) ? v->valuestring : "";
    char *out = NULL, msg[512];
    if (!kk_ssml_detect(t->valuestring)) {
        out = strdup(t->valuestring);
    } else if (kk_ssml_translate(t->valuestring, strlen(t->valuestring), voice, s->cfg->ssml_max_depth, &out, msg,
                                 sizeof msg)) {
        kk_send_error(req, 400, "validation_error", "%s", msg);
        cJSON_Delete(root);
        return;
    }
    cJSON_Delete(root);
    cJSON *o = cJSON_CreateObject();
    if (!out || !o) {
        free(out);
        cJSON_Delete(o);
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    cJSON_AddStringToObject(o, "text", out);
    free(out);
    kk_send_json(req, 200, o);
}
