/* voice_expr — the `voice` field as Kokoro-FastAPI reads it: OpenAI names, the mix grammar
 * "a+b", "a(2)+b(1)", "a-b", and the list of voices a folder offers. Only syntax and names are
 * checked here; the arithmetic of a mix is kokoro_voice_resolve's. */
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

/* Sorted, de-duplicated stems of *.pt and *.bin in dir. Returns the count (0 when the folder is
 * missing); *names is malloc'd (free with kk_voice_list_free). -1 on allocation failure. */
int kk_voice_list(const char *dir, char ***names);
void kk_voice_list_free(char **names, int n);
/* Comma-separated list for messages (malloc'd). */
char *kk_voice_list_join(char **names, int n);

/* Kokoro language letter for a lang_code value ("a", "en-us", "fr", ...); NULL if unknown. */
const char *kk_lang_from_code(const char *code);
/* Language of a voice expression: its first letter when that is a Kokoro language, else fallback. */
const char *kk_lang_from_voice(const char *canonical, const char *fallback);
#endif
