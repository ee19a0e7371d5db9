/* ssml — SSML as Kokoro-FastAPI v0.8 reads it, translated into the native inline tags
 * ([pause:Ns], [voice:], [rate:], [word](/ipa/)). Parsed with expat: a DTD is refused (so no
 * entity can be declared or expanded), external entities are never loaded, and nesting deeper than
 * max_depth is refused. */
#ifndef KOKORO_SERVER_SSML_H
#define KOKORO_SERVER_SSML_H
#include <stddef.h>

/* 1 if text looks like SSML (its first non-blank character is '<'). Other text passes through. */
int kk_ssml_detect(const char *text);

/* Translates SSML into tag text (*out malloc'd). voice: the voice <voice> reverts to at its end;
 * NULL or "" strips <voice> and <prosody> (POST /dev/ssml without a voice). 0, or -1 with a message
 * that names the parser's line and column for malformed XML. */
int kk_ssml_translate(const char *text, size_t len, const char *voice, int max_depth, char **out, char *msg,
                      size_t msglen);

/* GET /dev/ssml: what is supported, as a JSON text (malloc'd). */
char *kk_ssml_capabilities(void);
#endif
