/* libespeak-ng behind one process-wide lock: the library keeps its translator, phoneme list and
 * output buffer in globals, so every call sequence (voice switch, clause loop, copy) is serialised. */
#ifndef KOKORO_TEXT_ESPEAK_H
#define KOKORO_TEXT_ESPEAK_H
#include "kokoro.h"

/* IPA phonemes of text for an espeak language code ("en-us", "en-gb", "es", "fr-fr", "hi",
 * "it", "pt-br"), the way misaki's phonemizer backend gets them: stress marks, '^' between the
 * letters of a multi-letter phoneme, clauses joined by a space, language-switch flags "(en)"
 * removed, whitespace collapsed and stripped. Punctuation is dropped by espeak; see
 * kk_espeak_phonemize_punct for the variant that keeps it. *out is malloc'd. */
kokoro_status kk_espeak_phonemize(const char *lang, const char *text, char **out, kokoro_error *err);

/* Like kk_espeak_phonemize, but punctuation runs (phonemizer's ;:,.!?¡¿—…"«»“”(){}[] and the
 * whitespace around them) are kept verbatim at their places. */
kokoro_status kk_espeak_phonemize_punct(const char *lang, const char *text, char **out, kokoro_error *err);
#endif
