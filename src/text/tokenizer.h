/* tokenizer — phoneme string (UTF-8) to model token ids through config.json's vocabulary. */
#ifndef KOKORO_TEXT_TOKENIZER_H
#define KOKORO_TEXT_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "model/config.h"

/* Decodes phonemes (strict UTF-8: overlong forms, surrogates and values above U+10FFFF are errors)
 * and maps each code point to its id; code points outside the vocabulary are dropped. *n_codepoints
 * (may be NULL) counts every code point, dropped ones included (it selects the voice row). No boundary zeros are
 * added. *ids is malloc'd (never NULL on success, even when *n_ids is 0); the caller frees it. */
kokoro_status kk_tokenize(const kk_config *cfg, const char *phonemes, int64_t **ids, size_t *n_ids,
                          size_t *n_codepoints, kokoro_error *err);

/* Decodes one UTF-8 code point at s (n bytes available). Returns its length in bytes, or 0 if the
 * bytes there are not valid UTF-8. */
size_t kk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
#endif
