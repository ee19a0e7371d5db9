#include "server/request.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/voice_expr.h"

int kk_parse_fail(kk_parse_error *e, unsigned status, const char *code, const char *fmt, ...)
{
    e->status = status;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

int kk_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

cJSON *kk_json_parse_strict(const char *body, size_t len)
{
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == 0)
            return NULL;
        if (!in_str) {
            if (c == '"')
                in_str = 1;
            else if (c >= 0x80)
                return NULL; /* a BOM or stray bytes outside strings */
            continue;
        }
        if (c < 0x20)
            return NULL;
        if (c == '"') {
            in_str = 0;
        } else if (c == '\\' && i + 1 < len) {
            if (body[i + 1] == 'u' && i + 5 < len && !strncmp(body + i + 2, "0000", 4))
                return NULL;
            i++;
        }
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!root)
        return NULL;
    for (const char *p = end; p && p < body + len; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            cJSON_Delete(root);
            return NULL;
        }
    return root;
}

size_t kk_utf8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static const struct {
    const char *name;
    kokoro_format f;
    const char *mime;
} formats[] = {
    {"mp3", KOKORO_FORMAT_MP3, "audio/mpeg"}, {"opus", KOKORO_FORMAT_OPUS, "audio/opus"},
    {"aac", KOKORO_FORMAT_AAC, "audio/aac"},  {"flac", KOKORO_FORMAT_FLAC, "audio/flac"},
    {"wav", KOKORO_FORMAT_WAV, "audio/wav"},  {"pcm", KOKORO_FORMAT_PCM, "audio/pcm"},
};

int kk_format_parse(const char *name, kokoro_format *out, const char **canonical)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (!strcasecmp(formats[i].name, name)) {
            *out = formats[i].f;
            if (canonical)
                *canonical = formats[i].name;
            return 0;
        }
    return -1;
}

const char *kk_format_mime(kokoro_format f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].f == f)
            return formats[i].mime;
    return "application/octet-stream";
}

static int get_bool(cJSON *root, const char *key, int *dst, kk_parse_error *e)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v))
        return kk_parse_fail(e, 422, "validation_error", "'%s' must be a boolean", key);
    *dst = cJSON_IsTrue(v);
    return 0;
}

static int get_number(cJSON *root, const char *key, double lo, double hi, float *dst, kk_parse_error *e)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return kk_parse_fail(e, 422, "validation_error", "'%s' must be a number", key);
    if (v->valuedouble < lo || v->valuedouble > hi)
        return kk_parse_fail(e, 422, "validation_error", "'%s' must be between %g and %g", key, lo, hi);
    *dst = (float)v->valuedouble;
    return 0;
}

static int get_string(cJSON *root, const char *key, const char **dst, kk_parse_error *e)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return kk_parse_fail(e, 422, "validation_error", "'%s' must be a string", key);
    *dst = v->valuestring;
    return 0;
}

static int parse_norm(cJSON *root, kokoro_normalization_options *n, kk_parse_error *e)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "normalization_options");
    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return kk_parse_fail(e, 422, "validation_error", "'normalization_options' must be an object");
    static const char *const keys[] = {"normalize", "unit_normalization", "url_normalization",
                                       "email_normalization", "optional_pluralization_normalization",
                                       "phone_normalization", "replace_remaining_symbols"};
    int *dst[] = {&n->normalize, &n->unit_normalization, &n->url_normalization, &n->email_normalization,
                  &n->optional_pluralization_normalization, &n->phone_normalization,
                  &n->replace_remaining_symbols};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (get_bool(o, keys[i], dst[i], e))
            return -1;
    return 0;
}

static void norm_defaults(kokoro_normalization_options *n)
{
    /* Kokoro-FastAPI's defaults; kept here so that parsing needs nothing from the text front end. */
    n->normalize = 1;
    n->unit_normalization = 0;
    n->url_normalization = 1;
    n->email_normalization = 1;
    n->optional_pluralization_normalization = 1;
    n->phone_normalization = 1;
    n->replace_remaining_symbols = 1;
}

/* stream_format, include, seed and voice_aliases: the fields beyond Kokoro-FastAPI v0.7. */
static int parse_extensions(cJSON *root, kk_speech_request *out, kk_parse_error *e)
{
    const char *sf = NULL;
    if (get_string(root, "stream_format", &sf, e))
        return -1;
    if (sf && strcmp(sf, "audio") && strcmp(sf, "sse"))
        return kk_parse_fail(e, 422, "validation_error", "'stream_format' must be \"audio\" or \"sse\"");
    out->sse = sf && !strcmp(sf, "sse");
    cJSON *inc = cJSON_GetObjectItemCaseSensitive(root, "include");
    if (inc && !cJSON_IsNull(inc)) {
        if (!cJSON_IsArray(inc))
            return kk_parse_fail(e, 422, "validation_error", "'include' must be a list of strings");
        for (cJSON *it = inc->child; it; it = it->next) {
            if (!cJSON_IsString(it) || strcmp(it->valuestring, "word_timestamps"))
                return kk_parse_fail(e, 422, "validation_error", "'include' takes only \"word_timestamps\"");
            out->return_timestamps = 1;
        }
    }
    cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (seed && !cJSON_IsNull(seed)) {
        /* Integers a JSON double holds exactly. */
        if (!cJSON_IsNumber(seed) || !(seed->valuedouble >= 0) || seed->valuedouble > 9007199254740991.0 ||
            floor(seed->valuedouble) != seed->valuedouble)
            return kk_parse_fail(e, 422, "validation_error", "'seed' must be an integer from 0 to 2^53-1");
        out->has_seed = 1;
        out->seed = (uint64_t)seed->valuedouble;
    }
    unsigned st = 0;
    if (kk_aliases_parse(cJSON_GetObjectItemCaseSensitive(root, "voice_aliases"), &out->aliases, &st, e->message,
                         sizeof e->message)) {
        e->status = st;
        e->code = st == 500 ? "internal_error" : "validation_error";
        return -1;
    }
    return 0;
}

int kk_speech_request_parse(const char *body, size_t len, const kk_request_rules *rules,
                            kk_speech_request *out, kk_parse_error *e)
{
    memset(out, 0, sizeof *out);
    if (!kk_utf8_valid(body, len))
        return kk_parse_fail(e, 400, "invalid_encoding", "request body is not valid UTF-8");
    cJSON *root = kk_json_parse_strict(body, len);
    if (!root)
        return kk_parse_fail(e, 422, "invalid_json", "request body is not valid JSON");
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        kk_parse_fail(e, 422, "validation_error", "request body must be a JSON object");
        goto done;
    }
    const char *model = "kokoro", *input = NULL, *voice = rules->default_voice, *fmt = "mp3";
    const char *lang = NULL, *dlfmt = NULL;
    out->speed = 1.0f;
    out->volume = 1.0f;
    out->stream = 1;
    out->return_timestamps = rules->captioned;
    norm_defaults(&out->norm);
    if (get_string(root, "model", &model, e) || get_string(root, "input", &input, e) ||
        get_string(root, "voice", &voice, e) || get_string(root, "response_format", &fmt, e) ||
        get_string(root, "lang_code", &lang, e) || get_string(root, "download_format", &dlfmt, e) ||
        get_number(root, "speed", 0.25, 4.0, &out->speed, e) ||
        get_number(root, "volume_multiplier", -1e6, 1e6, &out->volume, e) ||
        get_bool(root, "stream", &out->stream, e) ||
        get_bool(root, "return_download_link", &out->return_download_link, e) ||
        get_bool(root, "return_timestamps", &out->return_timestamps, e) || parse_norm(root, &out->norm, e) ||
        get_bool(root, "allow_voice_tags", &out->allow_voice_tags, e) || get_bool(root, "ssml", &out->ssml, e) ||
        get_bool(root, "return_timing", &out->return_timing, e) || parse_extensions(root, out, e))
        goto done;
    if (!input) {
        kk_parse_fail(e, 422, "validation_error", "'input' is required");
        goto done;
    }
    if (!rules->captioned && strcmp(model, "tts-1") && strcmp(model, "tts-1-hd") && strcmp(model, "kokoro") &&
        strcmp(model, "gpt-4o-mini-tts")) {
        kk_parse_fail(e, 400, "invalid_model", "Unsupported model: %.100s (use tts-1, tts-1-hd, kokoro or gpt-4o-mini-tts)",
             model);
        goto done;
    }
    if (kk_format_parse(fmt, &out->format, &out->format_name)) {
        kk_parse_fail(e, 422, "validation_error", "'response_format' must be one of mp3, opus, aac, flac, wav, pcm");
        goto done;
    }
    kokoro_format ignored;
    if (dlfmt && kk_format_parse(dlfmt, &ignored, NULL)) {
        kk_parse_fail(e, 422, "validation_error", "'download_format' must be one of mp3, opus, aac, flac, wav, pcm");
        goto done;
    }
    if (lang && *lang) {
        const char *l = kk_lang_from_code(lang);
        if (!l) {
            kk_parse_fail(e, 400, "validation_error",
                 "unknown lang_code '%.32s' (use a, b, e, f, h, i, p, j, z or en-us, en-gb, es, fr, hi, it, pt-br, ja, zh)",
                 lang);
            goto done;
        }
        snprintf(out->lang, sizeof out->lang, "%s", l);
    }
    if (!kk_utf8_valid(input, strlen(input))) {
        kk_parse_fail(e, 400, "invalid_encoding", "'input' is not valid UTF-8");
        goto done;
    }
    size_t chars = kk_utf8_count(input);
    if (chars > rules->max_input_chars) {
        kk_parse_fail(e, 413, "input_too_long", "input is %zu characters; the limit is %zu", chars, rules->max_input_chars);
        goto done;
    }
    int blank = 1;
    for (const char *p = input; *p && blank; p++)
        blank = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r');
    if (blank) {
        kk_parse_fail(e, 400, "validation_error", "Input contains no speakable text");
        goto done;
    }
    if (!voice || !*voice) {
        kk_parse_fail(e, 400, "validation_error", "'voice' must not be empty");
        goto done;
    }
    out->input = strdup(input);
    out->voice = strdup(voice);
    if (!out->input || !out->voice) {
        kk_parse_fail(e, 500, "internal_error", "out of memory");
        kk_speech_request_free(out);
        goto done;
    }
    rc = 0;
done:
    if (rc)
        kk_aliases_free(&out->aliases);
    cJSON_Delete(root);
    return rc;
}

void kk_speech_request_free(kk_speech_request *r)
{
    free(r->input);
    free(r->voice);
    r->input = r->voice = NULL;
    kk_aliases_free(&r->aliases);
}
