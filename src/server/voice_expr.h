/* voice_expr — what the server adds around the `voice` field: voice lists for messages and the
 * language a voice implies. The mix grammar and OpenAI names are the voice module's
 * (kk_voice_mix_parse in src/model/voice.h). */
#ifndef KOKORO_SERVER_VOICE_EXPR_H
#define KOKORO_SERVER_VOICE_EXPR_H
#include <stddef.h>

/* Comma-separated list of names for messages (malloc'd). */
char *kk_voice_list_join(char **names, size_t n);

/* Kokoro language letter for a lang_code value ("a", "en-us", "fr", ...); NULL if unknown. */
const char *kk_lang_from_code(const char *code);
/* Language of a voice expression: its first letter when that is a Kokoro language, else fallback. */
const char *kk_lang_from_voice(const char *canonical, const char *fallback);
#endif
