/* Shared internals of the Mandarin G2P (src/text/zh/). */
#ifndef KOKORO_TEXT_ZH_INTERNAL_H
#define KOKORO_TEXT_ZH_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "text/sbuf.h"
#include "text/zh/zh.h"

/* Open-addressing map from UTF-8 keys (pointers into the embedded data) to a 24-bit value. */
typedef struct {
    uint32_t off;  /* key offset in base */
    uint32_t meta; /* value << 8 | key length in bytes; 0 = empty slot */
} kk_zh_slot;

typedef struct {
    const char *base;
    kk_zh_slot *slot;
    size_t mask, n;
} kk_zh_map;

/* Returns the slot of key, or NULL. */
const kk_zh_slot *kk_zh_map_get(const kk_zh_map *m, const char *key, size_t len);

#define KK_ZH_HAN_FIRST 0x4E00u
#define KK_ZH_HAN_LAST 0x9FFFu  /* misaki's CJK runs */
#define KK_ZH_BLOCK_LAST 0x9FD5u /* jieba's blocks end here */
#define KK_ZH_N_EMIT (KK_ZH_BLOCK_LAST - KK_ZH_HAN_FIRST + 1)

enum { KK_ZH_B, KK_ZH_E, KK_ZH_M, KK_ZH_S }; /* jieba's HMM states, in letter order */

struct kk_zh {
    kk_zh_map freq;        /* jieba FREQ (block characters only): value = frequency */
    double log_total;      /* log(sum of all dict.txt frequencies) */
    double start[4], trans[4][4];
    double *emit;          /* [state][cp - U+4E00], MIN_FLOAT where jieba has none */
    kk_zh_map phrases;     /* pypinyin phrase prefixes: value = 1 + offset of the IPA, 0 = prefix only */
    const char *phr_base;
    uint32_t *chars;       /* [cp - U+4E00]: 1 + offset of the IPA in the chars data, 0 = unknown */
    const char *chr_base;
};

/* Embedded tables (zh_data.c). */
const char *kk_zh_blob(int which, size_t *len);
enum { KK_ZH_BLOB_JIEBA, KK_ZH_BLOB_HMM, KK_ZH_BLOB_PHRASES, KK_ZH_BLOB_CHARS };

/* cn2an.transform(text, 'an2cn'), appended to out. */
void kk_zh_numbers(const char *s, size_t n, kk_sbuf *out);

/* jieba.lcut(run) for a run of code points in U+4E00..U+9FFF (3 UTF-8 bytes each): calls emit
 * for each word (first char index, char count) in order. Returns 0 when out of memory. */
typedef int (*kk_zh_word_fn)(void *ctx, size_t start, size_t count);
int kk_zh_cut(const kk_zh *z, const char *run, size_t nchars, kk_zh_word_fn emit, void *ctx);

/* lazy_pinyin(word, TONE3) → misaki IPA of each syllable, appended to out (nothing for a
 * character without a reading). word: nchars code points of U+4E00..U+9FFF. */
void kk_zh_word_ipa(const kk_zh *z, const char *word, size_t nchars, kk_sbuf *out);
#endif
