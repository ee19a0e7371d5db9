/* request — JSON bodies of the speech-like routes, parsed and validated before any work starts.
 * Status codes follow Kokoro-FastAPI: schema violations 422, bad values 400, too long 413. */
#ifndef KOKORO_SERVER_REQUEST_H
#define KOKORO_SERVER_REQUEST_H
#include <stddef.h>

#include "kokoro.h"
#include "server/voice_tags.h"

typedef struct {
    unsigned status;
    const char *code; /* static */
    char message[512];
} kk_parse_error;

/* Fills e with an HTTP status, error code and message; returns -1 for `return kk_parse_fail(...)`. */
int kk_parse_fail(kk_parse_error *e, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct {
    size_t max_input_chars;
    const char *default_voice;
    int captioned;          /* /dev/captioned_speech: model unchecked, return_timestamps accepted */
} kk_request_rules;

typedef struct {
    char *input;            /* malloc'd, valid UTF-8 */
    char *voice;            /* malloc'd */
    kokoro_format format;
    const char *format_name; /* static: "mp3", ... */
    float speed;
    int stream;
    int return_download_link;
    char lang[8];           /* resolved Kokoro letter, or "" = from the voice */
    float volume;
    kokoro_normalization_options norm;
    int return_timestamps;  /* captioned: default on; speech: word events in an SSE stream */
    int allow_voice_tags;   /* [voice:]/[rate:]/[baserate:] are read as tags */
    int ssml;               /* input is SSML, translated to tags first */
    kk_alias_set aliases;   /* voice_aliases */
    int sse;                /* stream_format "sse": OpenAI's speech.audio.delta/done events */
    int return_timing;      /* per-chunk start/end (voice, text) of the result */
    int has_seed;           /* seed given: the harmonic-source noise is drawn from it */
    uint64_t seed;
} kk_speech_request;

/* 0 on success (free with kk_speech_request_free), -1 with *e filled. */
int kk_speech_request_parse(const char *body, size_t len, const kk_request_rules *rules,
                            kk_speech_request *out, kk_parse_error *e);
void kk_speech_request_free(kk_speech_request *r);

/* Format from its name without needing an encoder ("mp3" ... "pcm", case-insensitive). */
int kk_format_parse(const char *name, kokoro_format *out, const char **canonical);
const char *kk_format_mime(kokoro_format f);

struct cJSON;
/* Strict JSON as Python's json module reads it: the whole body is one value, no raw control
 * characters or NUL (raw or \u0000) inside strings, no byte-order mark. NULL if not. */
struct cJSON *kk_json_parse_strict(const char *body, size_t len);

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
int kk_utf8_valid(const char *s, size_t len);
size_t kk_utf8_count(const char *s);
#endif
