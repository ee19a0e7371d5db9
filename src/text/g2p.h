/* Grapheme-to-phoneme converters: text of one line → words with misaki phonemes. */
#ifndef KOKORO_TEXT_G2P_H
#define KOKORO_TEXT_G2P_H
#include <stddef.h>

#include "kokoro.h"
#include "text/cache.h"

/* One output word (misaki's merged token): a span of the line, its phonemes, and whether
 * whitespace followed it. Punctuation marks are words too, as in misaki. */
typedef struct {
    size_t start, end; /* byte span in the line given to the converter */
    char *ps;          /* malloc'd, possibly empty */
    int ws;
} kk_pword;

typedef struct {
    kk_pword *v;
    size_t n, cap;
} kk_pwords;

void kk_pwords_free(kk_pwords *w);
/* Appends a word taking ownership of ps; returns 0 when out of memory (ps is freed). */
int kk_pwords_push(kk_pwords *w, size_t start, size_t end, char *ps, int ws);

typedef struct kk_g2p_en kk_g2p_en;

/* English G2P (misaki algorithm); british selects the GB lexicons and espeak voice. */
kk_g2p_en *kk_g2p_en_new(int british);
void kk_g2p_en_free(kk_g2p_en *g);

/* Phonemizes one line (no newlines inside) of len bytes and appends its words to out.
 * Markdown links [text](/phonemes/), [text](±N) and [text](#flags#) are understood as misaki
 * does. cache (may be NULL) memoises espeak-ng fallbacks. */
kokoro_status kk_g2p_en_line(kk_g2p_en *g, kk_cache *cache, const char *line, size_t len,
                             kk_pwords *out, kokoro_error *err);

/* espeak-ng phonemes of one English word mapped to misaki's alphabet (EspeakFallback). */
kokoro_status kk_g2p_en_fallback(int british, kk_cache *cache, const char *word, char **ps,
                                 kokoro_error *err);

/* es, fr, hi, it, pt-br: the phonemes of a text span through espeak-ng and misaki's mapping for
 * those languages. espeak_lang is "es", "fr-fr", "hi", "it" or "pt-br". */
kokoro_status kk_g2p_other(const char *espeak_lang, const char *text, size_t len, char **ps,
                           kokoro_error *err);
#endif
