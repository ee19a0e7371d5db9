/* voice_expr — the `voice` field as Kokoro-FastAPI reads it: OpenAI names, the mix grammar
 * "a+b", "a(2)+b(1)", "a-b". Only syntax and names are checked here, for precise 400 messages;
 * the arithmetic of a mix and the voice files are the voice module's (src/model/voice.h). */
#ifndef KOKORO_SERVER_VOICE_EXPR_H
#define KOKORO_SERVER_VOICE_EXPR_H
#include <stddef.h>

#define KK_VOICE_NAME_MAX 64
#define KK_VOICE_ITEMS_MAX 16

typedef struct {
    char name[KK_VOICE_NAME_MAX]; /* after OpenAI mapping */
    double weight;                /* > 0; 1 when not written */
    int sign;                     /* +1 add, -1 subtract (the first item is always +1) */
} kk_voice_item;

typedef struct {
    kk_voice_item items[KK_VOICE_ITEMS_MAX];
    size_t n;
    char canonical[KK_VOICE_ITEMS_MAX * (KK_VOICE_NAME_MAX + 32)]; /* "a(2)+b(1)" form */
} kk_voice_expr;

/* Kokoro voice an OpenAI voice name stands for, or NULL. */
const char *kk_openai_voice(const char *name);
/* Parses expr (spaces removed first). 0 on success, -1 with a message in err. */
int kk_voice_expr_parse(const char *expr, kk_voice_expr *out, char *err, size_t errlen);

/* Comma-separated list of names for messages (malloc'd). */
char *kk_voice_list_join(char **names, size_t n);

/* Kokoro language letter for a lang_code value ("a", "en-us", "fr", ...); NULL if unknown. */
const char *kk_lang_from_code(const char *code);
/* Language of a voice expression: its first letter when that is a Kokoro language, else fallback. */
const char *kk_lang_from_voice(const char *canonical, const char *fallback);
#endif
