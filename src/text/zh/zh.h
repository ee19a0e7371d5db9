/* Mandarin G2P: a byte-exact port of misaki 0.9.4's legacy ZHG2P path (the one Kokoro v1.0 uses):
 * cn2an number reading, misaki's punctuation map, jieba segmentation and pypinyin TONE3 readings
 * turned into misaki's IPA. */
#ifndef KOKORO_TEXT_ZH_H
#define KOKORO_TEXT_ZH_H
#include <stddef.h>

#include "kokoro.h"
#include "text/chunker.h"

typedef struct kk_zh kk_zh;

/* Builds the tables from the embedded data (a few hundred ms, ~30 MB); the result is read-only
 * and may be shared by any number of threads. NULL with err set on failure. */
kk_zh *kk_zh_new(kokoro_error *err);
void kk_zh_free(kk_zh *z);

/* ZHG2P()(text)[0] for len bytes of UTF-8 text (any bytes accepted: malformed sequences read as
 * U+FFFD). Characters that pypinyin has no reading for (misaki raises on them) are skipped; a word
 * left with no phonemes is dropped from its run. *ps is malloc'd, possibly empty. */
kokoro_status kk_zh_g2p(const kk_zh *z, const char *text, size_t len, char **ps, kokoro_error *err);

/* Units of s[a, b) (a text without pause tags) for the chunker: one per clause plus one per
 * trailing punctuation mark; a line break ends a chunk. Spans are byte offsets in s. */
kokoro_status kk_zh_units(const kk_zh *z, const char *s, size_t a, size_t b, kk_units *units, kokoro_error *err);

/* The phonemes of each line of s[0, n) (misaki's exact output per line), joined by one space. */
kokoro_status kk_zh_phonemize_lines(const kk_zh *z, const char *s, size_t n, char **ps, kokoro_error *err);
#endif
