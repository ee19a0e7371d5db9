/* The Japanese tables of data/ja/, embedded in the library like the English lexicons, so that
 * Japanese needs no data files at run time besides the MeCab dictionary itself. */
#include <string.h>

#include "text/ja/ja_internal.h"

#define KK_JA_EMBED(sym, file)                                                                 \
    __asm__(".section .rodata\n"                                                               \
            ".global " #sym "_start\n.hidden " #sym "_start\n"                                \
            ".global " #sym "_end\n.hidden " #sym "_end\n"                                    \
            ".balign 16\n" #sym "_start:\n"                                                    \
            ".incbin \"" KOKORO_DATA_DIR "/ja/" file "\"\n" #sym "_end:\n"                     \
            ".byte 0\n"                                                                        \
            ".previous\n")

KK_JA_EMBED(kk_ja_words, "ja_words.txt");
KK_JA_EMBED(kk_ja_kana, "cutlet-kana.tsv");
KK_JA_EMBED(kk_ja_symbols, "cutlet-symbols.tsv");
KK_JA_EMBED(kk_ja_num, "num2kana-hiragana.tsv");
KK_JA_EMBED(kk_ja_dicrc, "naist-jdic-dicrc");

extern const char kk_ja_words_start[], kk_ja_words_end[];
extern const char kk_ja_kana_start[], kk_ja_kana_end[];
extern const char kk_ja_symbols_start[], kk_ja_symbols_end[];
extern const char kk_ja_num_start[], kk_ja_num_end[];
extern const char kk_ja_dicrc_start[], kk_ja_dicrc_end[];

const char *kk_ja_blob(const char *name, size_t *len)
{
    static const struct {
        const char *name, *a, *b;
    } blobs[] = {
        {"ja_words.txt", kk_ja_words_start, kk_ja_words_end},
        {"cutlet-kana.tsv", kk_ja_kana_start, kk_ja_kana_end},
        {"cutlet-symbols.tsv", kk_ja_symbols_start, kk_ja_symbols_end},
        {"num2kana-hiragana.tsv", kk_ja_num_start, kk_ja_num_end},
        {"naist-jdic-dicrc", kk_ja_dicrc_start, kk_ja_dicrc_end},
    };
    for (size_t i = 0; i < sizeof blobs / sizeof blobs[0]; i++)
        if (strcmp(name, blobs[i].name) == 0) {
            *len = (size_t)(blobs[i].b - blobs[i].a);
            return blobs[i].a;
        }
    *len = 0;
    return "";
}
