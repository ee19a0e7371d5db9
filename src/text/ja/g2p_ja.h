/* Japanese G2P: misaki 0.9.4's default path (cutlet over MeCab), as Kokoro v1.0 uses it. */
#ifndef KOKORO_TEXT_JA_G2P_JA_H
#define KOKORO_TEXT_JA_G2P_JA_H
#include <stddef.h>

#include "kokoro.h"
#include "text/g2p.h"

typedef struct kk_g2p_ja kk_g2p_ja;

/* Loads the MeCab dictionary dict (NULL: $KOKORO_JA_DICT, else naist-jdic; see ja_mecab.c) and
 * the tables. A missing dictionary is KOKORO_ERR_UNSUPPORTED with the package to install. The
 * converter is thread-safe: one serves every request. */
kokoro_status kk_g2p_ja_new(const char *dict, kk_g2p_ja **out, kokoro_error *err);
void kk_g2p_ja_free(kk_g2p_ja *g);
/* "name (folder; fields)" of the dictionary in use. */
const char *kk_g2p_ja_dictionary(const kk_g2p_ja *g);

/* Phonemizes text[0, len) and appends its words to out (spans relative to text). Joined as
 * ps + ' ' if ws, they give misaki's string. Never fails on content: misaki's crash inputs get
 * the behaviour documented in the README. */
kokoro_status kk_g2p_ja_line(kk_g2p_ja *g, const char *text, size_t len, kk_pwords *out, kokoro_error *err);
/* The whole phoneme string (misaki's JAG2P()(text)[0]); malloc'd. */
kokoro_status kk_g2p_ja_string(kk_g2p_ja *g, const char *text, size_t len, char **ps, kokoro_error *err);
#endif
