/* libespeak-ng behind one process-wide lock: the library keeps its translator, phoneme list and
 * output buffer in globals, so every call sequence (voice switch, clause loop, copy) is serialised. */
#ifndef KOKORO_TEXT_ESPEAK_H
#define KOKORO_TEXT_ESPEAK_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "text/chunker.h"
#include "text/ucase.h" /* kk_py_space, kk_py_strip */

/* One line of IPA phonemes of text for an espeak language code ("en-us", "en-gb", "es",
 * "fr-fr", "hi", "it", "pt-br") as phonemizer's espeak backend returns it (with_stress, tie
 * '^', language-switch flags "(en)" removed): words separated by ' ', each followed by one ' ';
 * "" when espeak says nothing. Punctuation is dropped by espeak; see kk_espeak_phonemize_punct
 * for the variant that keeps it. *out is malloc'd. */
kokoro_status kk_espeak_phonemize(const char *lang, const char *text, char **out, kokoro_error *err);

/* phonemizer with preserve_punctuation=True, as misaki uses it (first line, stripped): runs of
 * the marks ;:,.!?¡¿—…"«»“”(){}[] with the whitespace around them are kept verbatim at their
 * places and the text between them is phonemized piece by piece. */
kokoro_status kk_espeak_phonemize_punct(const char *lang, const char *text, char **out, kokoro_error *err);

/* KPipeline's handling of text in an espeak language: s[a,b) cut into lines and chunks of at
 * most 400 code points at runs of . ! ?, each phonemized with kk_g2p_other; appends its units. */
kokoro_status kk_espeak_segment(const char *lang, const char *s, size_t a, size_t b, kk_units *units,
                                kokoro_error *err);

#endif
