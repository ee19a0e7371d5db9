/* voice — style packs (rows x dim float32) and the mix grammar. Public API in kokoro.h. */
#ifndef KOKORO_MODEL_VOICE_H
#define KOKORO_MODEL_VOICE_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

struct kokoro_voice {
    int rows;    /* 510 for Kokoro v1.0 packs */
    int dim;     /* 256: [0, dim/2) conditions the decoder, [dim/2, dim) the prosody predictor */
    float *data; /* rows * dim, row-major */
};

/* Style row for a phoneme string of n_codepoints code points (counted before vocabulary
 * filtering): row n_codepoints - 1, clamped to [0, rows-1]. */
const float *kk_voice_row(const kokoro_voice *voice, size_t n_codepoints);

/* A voice pack from bytes in memory: a torch .pt archive ([rows, 1, dim] or [rows, dim]) or raw
 * little-endian float32 [rows][256]. name is used in error messages. */
kokoro_status kk_voice_parse(const uint8_t *data, size_t len, const char *name, kokoro_voice **out,
                             kokoro_error *err);

/* The mix grammar (Kokoro-FastAPI), parsed once here for the library and the server. */
#define KK_VOICE_NAME_MAX 129 /* a voice name (at most 128 bytes) and its NUL */
#define KK_VOICE_MIX_MAX 16

typedef struct {
    char name[KK_VOICE_NAME_MAX]; /* after OpenAI mapping */
    double weight;                /* finite, > 0; 1 when not written */
    int sign;                     /* +1 add, -1 subtract (the first item is always +1) */
} kk_voice_mix_item;

typedef struct {
    kk_voice_mix_item items[KK_VOICE_MIX_MAX];
    size_t n;
    char canonical[KK_VOICE_MIX_MAX * (KK_VOICE_NAME_MAX + 32)]; /* "a(2)+b(1)" form */
} kk_voice_mix;

/* Kokoro voice an OpenAI voice name stands for (alloy -> am_adam, ...), or NULL. */
const char *kk_voice_openai_name(const char *name);

/* Parses expr as a mix (spaces removed first): items "name" / "name(weight)" joined by '+' or '-',
 * names [A-Za-z0-9_.]+ not starting with '.', mapped through the OpenAI names. Only syntax is
 * checked, not whether the voices exist. Errors: KOKORO_ERR_INVALID_ARGUMENT with a message that
 * names the problem. */
kokoro_status kk_voice_mix_parse(const char *expr, kk_voice_mix *out, kokoro_error *err);

/* kokoro_voice_resolve with a switch for explicit file paths. kokoro_voice_resolve (public) allows
 * them: an expression containing '/' is loaded as a file, which is right for a CLI user naming a
 * file on their own machine. A server must pass allow_paths = 0 so that a request can only name
 * voices inside voices_dir (names are [A-Za-z0-9_.-]+ without ".."; anything else is rejected).
 *
 * Expression grammar (Kokoro-FastAPI): spaces are removed; then either one voice name, or items
 * "name" / "name(weight)" joined by '+' or '-'. Weights default to 1, must be finite and > 0, and
 * are divided by the sum of all weights (subtracted ones included): "a(2)+b(1)" = 2/3 a + 1/3 b,
 * "a-b" = a/2 - b/2. A single voice ignores its weight. A name is looked up as <dir>/<name>.pt,
 * then <dir>/<name>.bin, then <dir>/<name> if it already ends in .pt/.bin; OpenAI voice names (alloy, echo, ...) inside
 * the grammar map to the voices Kokoro-FastAPI uses (kk_voice_mix_parse). A
 * whole expression that is itself an existing voice name (e.g. containing '-') is taken as that
 * voice before any mix parsing.
 * Errors: bad syntax -> KOKORO_ERR_INVALID_ARGUMENT; unknown voice -> KOKORO_ERR_NOT_FOUND with
 * (some of) the available names in the message. */
kokoro_status kk_voice_resolve(const char *voices_dir, const char *expression, int allow_paths,
                               kokoro_voice **out, kokoro_error *err);

/* Voice names in dir (files *.pt and *.bin with valid names, extension removed), sorted,
 * without duplicates. *names is a malloc'd array of malloc'd strings; free with kk_voices_list_free.
 * A missing directory is KOKORO_ERR_NOT_FOUND. */
kokoro_status kk_voices_list(const char *dir, char ***names, size_t *n, kokoro_error *err);
void kk_voices_list_free(char **names, size_t n);

/* 1 if s is a valid voice name ([A-Za-z0-9_.-]+, no "..", at most 128 bytes). */
int kk_voice_name_valid(const char *s);
#endif
