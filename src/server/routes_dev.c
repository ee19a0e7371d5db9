/* POST /dev/phonemize (phonemes and their token ids) and POST /dev/generate_from_phonemes. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "server/errors.h"
#include "server/request.h"
#include "server/synth.h"
#include "server/voice_pick.h"

cJSON *kk_req_json_object(kk_req *req)
{
    if (!kk_utf8_valid(req->body, req->body_len)) {
        kk_send_error(req, 400, "invalid_encoding", "request body is not valid UTF-8");
        return NULL;
    }
    cJSON *root = kk_json_parse_strict(req->body, req->body_len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        kk_send_error(req, 422, "invalid_json", "request body must be a JSON object");
        return NULL;
    }
    return root;
}

/* 0 with *out set (or left as is when absent); -1 after a 422. */
static int string_field(kk_req *req, cJSON *root, const char *key, int required, const char **out)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) {
            kk_send_error(req, 422, "validation_error", "'%s' is required", key);
            return -1;
        }
        return 0;
    }
    if (!cJSON_IsString(v)) {
        kk_send_error(req, 422, "validation_error", "'%s' must be a string", key);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

void kk_route_phonemize(kk_server *s, kk_req *req)
{
    cJSON *root = kk_req_json_object(req);
    if (!root)
        return;
    const char *text = NULL, *language = "a";
    if (string_field(req, root, "text", 1, &text) || string_field(req, root, "language", 0, &language)) {
        cJSON_Delete(root);
        return;
    }
    const char *lang = kk_lang_from_code(language);
    if (!lang) {
        kk_send_error(req, 400, "validation_error", "unknown language '%.32s'", language);
        cJSON_Delete(root);
        return;
    }
    if (kk_utf8_count(text) > s->cfg->max_input_chars) {
        kk_send_error(req, 413, "input_too_long", "text is longer than %zu characters", s->cfg->max_input_chars);
        cJSON_Delete(root);
        return;
    }
    if (!text[0]) {
        kk_send_error(req, 400, "validation_error", "'text' must not be empty");
        cJSON_Delete(root);
        return;
    }
    char *ph = NULL;
    kokoro_error err;
    if (kokoro_phonemize(s->fe, text, lang, &ph, &err) != KOKORO_OK) {
        kk_send_status_error(req, &err);
        cJSON_Delete(root);
        return;
    }
    cJSON_Delete(root);
    int64_t *ids = NULL;
    size_t n_ids = 0;
    if (kokoro_tokenize(s->model, ph, &ids, &n_ids, &err) != KOKORO_OK) {
        free(ph);
        kk_send_status_error(req, &err);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "phonemes", ph);
    cJSON *tokens = cJSON_AddArrayToObject(out, "tokens");
    for (size_t i = 0; i < n_ids; i++)
        cJSON_AddItemToArray(tokens, cJSON_CreateNumber((double)ids[i]));
    free(ph);
    free(ids);
    kk_send_json(req, 200, out);
}

void kk_route_generate_from_phonemes(kk_server *s, kk_req *req)
{
    cJSON *root = kk_req_json_object(req);
    if (!root)
        return;
    const char *phonemes = NULL, *voice = NULL;
    if (string_field(req, root, "phonemes", 1, &phonemes) || string_field(req, root, "voice", 1, &voice)) {
        cJSON_Delete(root);
        return;
    }
    size_t n = kk_utf8_count(phonemes);
    if (n == 0 || n > KOKORO_MAX_PHONEMES) {
        kk_send_error(req, 400, "validation_error", "'phonemes' must hold 1 to %d symbols (got %zu)",
                      KOKORO_MAX_PHONEMES, n);
        cJSON_Delete(root);
        return;
    }
    kk_synth_params p;
    memset(&p, 0, sizeof p);
    kk_voice_mix expr;
    if (kk_voice_pick(s, req, voice, &expr, &p.voice)) {
        cJSON_Delete(root);
        return;
    }
    p.phonemes = strdup(phonemes);
    p.input = strdup("");
    cJSON_Delete(root);
    if (!p.phonemes || !p.input) {
        kk_synth_params_free(&p);
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    p.speed = 1.0f;
    p.volume = 1.0f;
    p.format = KOKORO_FORMAT_WAV;
    p.format_name = "wav";
    p.stream = 1;
    kk_synth_respond(s, req, &p);
}
