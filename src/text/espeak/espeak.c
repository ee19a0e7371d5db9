#include "text/espeak/espeak.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/espeak/guard.h"
#include "text/sbuf.h"
#include "util/error.h"

static pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
static int espeak_state; /* 0 = not tried, 1 = ready, -1 = initialisation failed */
static char espeak_voice[64];

/* phonemizer selects the first listed voice whose language list has the code. */
static const char *voice_for(const char *lang)
{
    const espeak_VOICE **voices = espeak_ListVoices(NULL);
    for (size_t i = 0; voices && voices[i]; i++) {
        const char *l = voices[i]->languages;
        while (l && *l) {
            const char *name = l + 1; /* one priority byte, then a NUL-terminated name */
            if (strcmp(name, lang) == 0)
                return voices[i]->identifier;
            l = name + strlen(name) + 1;
        }
    }
    return NULL;
}

/* Must hold espeak_lock. */
static kokoro_status ensure_voice(const char *lang, kokoro_error *err)
{
    if (espeak_state == 0) {
        int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
        espeak_state = rate > 0 ? 1 : -1;
    }
    if (espeak_state < 0)
        return kk_fail(err, KOKORO_ERR_NOT_FOUND,
                       "espeak-ng could not be initialised (is the espeak-ng-data package installed?)");
    if (strcmp(espeak_voice, lang) == 0)
        return KOKORO_OK;
    const char *id = voice_for(lang);
    if (!id || espeak_SetVoiceByName(id) != EE_OK)
        return kk_fail(err, KOKORO_ERR_NOT_FOUND, "espeak-ng has no voice for language '%s'", lang);
    snprintf(espeak_voice, sizeof espeak_voice, "%s", lang);
    return KOKORO_OK;
}

/* phonemizer's EspeakBackend._postprocess_line with tie='^', strip=False and the
 * "remove-flags" language switch: clauses merged, "(en)"-style flags removed, every word
 * stripped and followed by the word separator ' '. An empty result stays empty. */
static char *postprocess_line(const char *raw)
{
    size_t a = 0, b = strlen(raw);
    kk_py_strip(raw, &a, &b);
    kk_sbuf l;
    kk_sbuf_init(&l);
    kk_sbuf_add(&l, raw + a, b - a);
    kk_sbuf_replace(&l, "\n", " ");
    kk_sbuf_replace(&l, "  ", " ");
    /* espeak-ng sometimes leaves phone separators before a word end (phonemizer's fix-up) */
    while (l.s && strstr(l.s, "__"))
        kk_sbuf_replace(&l, "__", "_");
    kk_sbuf_replace(&l, "_ ", " ");
    kk_sbuf m;
    kk_sbuf_init(&m);
    for (const char *p = l.s ? l.s : ""; *p;) {
        const char *q = *p == '(' && p[1] && p[1] != '\n' ? strchr(p + 2, ')') : NULL;
        if (q && !memchr(p, '\n', (size_t)(q - p))) {
            p = q + 1; /* \(.+?\) */
            continue;
        }
        kk_sbuf_addc(&m, *p++);
    }
    kk_sbuf out;
    kk_sbuf_init(&out);
    if (m.len) {
        const char *p = m.s, *e = m.s + m.len;
        for (;;) {
            const char *w = memchr(p, ' ', (size_t)(e - p));
            size_t wa = (size_t)(p - m.s), wb = w ? (size_t)(w - m.s) : m.len;
            kk_py_strip(m.s, &wa, &wb);
            kk_sbuf_add(&out, m.s + wa, wb - wa);
            kk_sbuf_addc(&out, ' ');
            if (!w)
                break;
            p = w + 1;
        }
    }
    int oom = l.oom || m.oom;
    kk_sbuf_free(&l);
    kk_sbuf_free(&m);
    if (oom) {
        kk_sbuf_free(&out);
        return NULL;
    }
    if (!out.s && !out.oom)
        kk_sbuf_add(&out, "", 0);
    return kk_sbuf_take(&out);
}

kokoro_status kk_espeak_phonemize(const char *lang, const char *text, char **out, kokoro_error *err)
{
    *out = NULL;
    char *in = kk_espeak_guard(lang, text);
    if (!in)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    kk_sbuf raw;
    kk_sbuf_init(&raw);
    pthread_mutex_lock(&espeak_lock);
    kokoro_status st = ensure_voice(lang, err);
    if (st == KOKORO_OK) {
        const void *ptr = in;
        int mode = espeakPHONEMES_IPA | espeakPHONEMES_TIE | ('^' << 8);
        int guard = 0;
        while (ptr && guard++ < 1000000) {
            const void *before = ptr;
            const char *ph = espeak_TextToPhonemes(&ptr, espeakCHARS_UTF8, mode);
            if (!ph)
                break;
            if (raw.len && *ph)
                kk_sbuf_addc(&raw, ' ');
            kk_sbuf_adds(&raw, ph);
            if (ptr == before)
                break; /* no progress: never loop forever on odd input */
        }
    }
    pthread_mutex_unlock(&espeak_lock);
    free(in);
    if (st != KOKORO_OK) {
        kk_sbuf_free(&raw);
        return st;
    }
    if (raw.oom) {
        kk_sbuf_free(&raw);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory in espeak-ng output");
    }
    *out = postprocess_line(raw.s ? raw.s : "");
    kk_sbuf_free(&raw);
    return *out ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory in espeak-ng output");
}
