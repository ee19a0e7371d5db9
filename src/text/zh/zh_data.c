/* The Mandarin tables, embedded with .incbin like the English lexicons (src/text/lexicon_data.c).
 * scripts/gen_zh.py derives them from data/zh/ at build time into KOKORO_ZH_GEN_DIR. */
#include "text/zh/zh_internal.h"

#define KK_ZH_EMBED(sym, file)                                                                 \
    __asm__(".section .rodata\n"                                                               \
            ".global " #sym "_start\n.hidden " #sym "_start\n"                                \
            ".global " #sym "_end\n.hidden " #sym "_end\n"                                    \
            ".balign 16\n" #sym "_start:\n"                                                    \
            ".incbin \"" KOKORO_ZH_GEN_DIR "/" file "\"\n" #sym "_end:\n"                      \
            ".byte 0\n"                                                                        \
            ".previous\n")

KK_ZH_EMBED(kk_zh_jieba, "zh-jieba.txt");
KK_ZH_EMBED(kk_zh_hmm, "zh-hmm.txt");
KK_ZH_EMBED(kk_zh_phrases, "zh-phrases.txt");
KK_ZH_EMBED(kk_zh_chars, "zh-chars.txt");

extern const char kk_zh_jieba_start[], kk_zh_jieba_end[];
extern const char kk_zh_hmm_start[], kk_zh_hmm_end[];
extern const char kk_zh_phrases_start[], kk_zh_phrases_end[];
extern const char kk_zh_chars_start[], kk_zh_chars_end[];

const char *kk_zh_blob(int which, size_t *len)
{
    const char *a, *b;
    switch (which) {
    case KK_ZH_BLOB_JIEBA: a = kk_zh_jieba_start; b = kk_zh_jieba_end; break;
    case KK_ZH_BLOB_HMM: a = kk_zh_hmm_start; b = kk_zh_hmm_end; break;
    case KK_ZH_BLOB_PHRASES: a = kk_zh_phrases_start; b = kk_zh_phrases_end; break;
    default: a = kk_zh_chars_start; b = kk_zh_chars_end; break;
    }
    *len = (size_t)(b - a);
    return a;
}
