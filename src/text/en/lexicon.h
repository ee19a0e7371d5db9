/* misaki's English pronunciation dictionaries (gold and silver) behind hash tables. */
#ifndef KOKORO_TEXT_LEXICON_H
#define KOKORO_TEXT_LEXICON_H
#include <stddef.h>

typedef struct kk_lexicon kk_lexicon;

/* The embedded lexicon text of one accent (see scripts/gen_lexicon.py for the format). */
const char *kk_lexicon_blob(int british, size_t *len);

/* Builds the tables over the embedded data (read-only afterwards, shareable by threads).
 * Returns NULL when out of memory. */
kk_lexicon *kk_lexicon_new(int british);
void kk_lexicon_free(kk_lexicon *lex);

enum { KK_LEX_GOLD = 0, KK_LEX_SILVER = 1 };

/* An entry's value: either a plain phoneme string (pos == 0) or the text after '@' of a
 * part-of-speech keyed entry ("TAG=PS|TAG=PS", '~' for null). Not NUL-terminated. */
typedef struct {
    const char *val;
    size_t len;
    int pos;
} kk_lex_value;

/* Looks word (n bytes) up in gold or silver, including the keys misaki's grow_dictionary adds
 * (Capitalised forms of lowercase keys, lowercase forms of Capitalised keys). Returns 1 if found. */
int kk_lexicon_get(const kk_lexicon *lex, int level, const char *word, size_t n, kk_lex_value *out);

/* Resolves a part-of-speech keyed value for tag (NULL for none) into out (size cap) following
 * misaki: the 'None' key when at_phrase_end, else the exact tag, else the parent tag, else
 * DEFAULT. Returns 0 if the chosen value is null, 1 otherwise. Plain values are copied. */
int kk_lexicon_resolve(const kk_lex_value *v, const char *tag, int at_phrase_end, char *out, size_t cap);
#endif
