#include "text/espeak/espeak.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/sbuf.h"
#include "text/ucase.h"
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

int kk_py_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

void kk_py_strip(const char *s, size_t *a, size_t *b)
{
    while (*a < *b) {
        size_t j = *a;
        if (!kk_py_space(kk_u8_next(s, *b, &j)))
            break;
        *a = j;
    }
    while (*b > *a) {
        size_t p = *b - 1;
        while (p > *a && ((unsigned char)s[p] & 0xC0) == 0x80)
            p--;
        size_t j = p;
        if (!kk_py_space(kk_u8_next(s, *b, &j)) || j != *b)
            break;
        *b = p;
    }
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

/* Code points of U+0900..U+0DFF (signs, symbols, unassigned points; letters and digits aside)
 * on which espeak-ng 1.51 uses freed memory in any voice: measured one by one under
 * AddressSanitizer in "a?b" with en-us. */
static int indic_unsafe(uint32_t cp)
{
    static const uint16_t bad[][2] = {
        {0x970, 0x970}, {0x9E4, 0x9E5}, {0x9F2, 0x9F3}, {0x9F7, 0x9F9}, {0x9FB, 0x9FB}, {0x9FD, 0x9FF},
        {0xA64, 0xA65}, {0xA76, 0xA77}, {0xA7B, 0xA7B}, {0xA7E, 0xA7F}, {0xAE4, 0xAE5}, {0xAF0, 0xAF8},
        {0xAFD, 0xAFF}, {0xB80, 0xB80}, {0xB84, 0xB84}, {0xB8B, 0xB8C}, {0xB96, 0xB98}, {0xB9B, 0xB9B},
        {0xB9D, 0xB9D}, {0xBA0, 0xBA2}, {0xBA6, 0xBA7}, {0xBAB, 0xBAD}, {0xBBA, 0xBBC}, {0xBC4, 0xBC4},
        {0xBD3, 0xBD4}, {0xBDA, 0xBE5}, {0xBFB, 0xBFF}, {0xC84, 0xC84}, {0xCC5, 0xCC5}, {0xCCE, 0xCD2},
        {0xCFD, 0xD01}, {0xD0D, 0xD0D}, {0xD45, 0xD45}, {0xD49, 0xD49}, {0xD52, 0xD52}, {0xD5B, 0xD5B},
        {0xD5E, 0xD5E}, {0xD62, 0xD62}, {0xDC7, 0xDC9}, {0xDCB, 0xDCD}, {0xDD5, 0xDD5}, {0xDD7, 0xDD7},
        {0xDE2, 0xDE5}, {0xDF0, 0xDF1}, {0xDF5, 0xDF9}, {0xDFB, 0xDFF}};
    if (cp < 0x970 || cp > 0xDFF)
        return 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cp >= bad[i][0] && cp <= bad[i][1])
            return 1;
    return 0;
}

static int is_ascii_symbol(char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/* Scripts espeak-ng 1.51 is handed at all. Other code points (unassigned ones, most Indic and
 * Asian scripts, invalid UTF-8) made it read freed memory under fuzzing — e.g. a lone U+0B80 —
 * and none of them can be spoken by a Kokoro voice of these languages anyway, so they become
 * spaces before espeak sees them. Hindi keeps Devanagari. */
static int espeak_can_take(const char *lang, uint32_t cp)
{
    if (cp < 0x80)
        return 1;
    if ((cp >= 0xC0 && cp <= 0x24F) || (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1E00 && cp <= 0x1EFF))
        return 1; /* Latin letters with diacritics, combining marks */
    if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x400 && cp <= 0x4FF))
        return kk_uc_alpha(cp); /* Greek, Cyrillic letters: espeak names or transliterates them;
                                   the blocks' unassigned points (e.g. U+0380) fault too */
    if (cp >= 0x2010 && cp <= 0x2027)
        return 1; /* dashes, quotes, ellipsis */
    if (strcmp(lang, "hi") == 0 && cp >= 0x900 && cp <= 0x97F)
        return 1;
    return 0;
}

kokoro_status kk_espeak_phonemize(const char *lang, const char *text, char **out, kokoro_error *err)
{
    *out = NULL;
    /* espeak-ng 1.51 reads freed or wild memory (and may crash) on some runs of symbols it
     * speaks by name, e.g. Hindi "=^", "%%", "$$", ";%" (found by fuzzing). Adjacent ASCII
     * symbols are therefore separated by a space, which does not change what espeak says for
     * them, and '^', the tie mark of the output, never reaches it. */
    /* Digits of several Indic scripts (Bengali, Gurmukhi, Gujarati, Tamil, Kannada, Malayalam)
     * and some of their signs make every 1.51 voice use freed memory too, so digits of any
     * script become ASCII digits and the signs of those blocks that fault (indic_unsafe) spaces. */
    size_t tl = strlen(text);
    char *in = malloc(2 * tl + 1);
    if (!in)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < tl;) {
        size_t j = i;
        uint32_t cp = kk_u8_next(text, tl, &j);
        int d = cp >= 0x80 ? kk_uc_digit_value(cp) : -1;
        if (d >= 0) {
            in[o++] = (char)('0' + d);
            i = j;
            continue;
        }
        if (!espeak_can_take(lang, cp) || indic_unsafe(cp)) {
            in[o++] = ' ';
            i = j;
            continue;
        }
        for (; i < j; i++) {
            char c = text[i] == '^' ? ' ' : text[i];
            if (o && is_ascii_symbol(c) && is_ascii_symbol(in[o - 1]))
                in[o++] = ' ';
            in[o++] = c;
        }
    }
    in[o] = '\0';
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
