/* pypinyin 0.55.0 lazy_pinyin(word, Style.TONE3, neutral_tone_with_five=True) for one jieba word,
 * straight to misaki's IPA: forward maximum matching over the phrase dictionary (mmseg with
 * no_non_phrases), then phrase readings or single-character readings. The embedded tables hold
 * the IPA of each phrase and character already joined (scripts/gen_zh.py). */
#include <string.h>

#include "text/zh/zh_internal.h"

static void add_line(kk_sbuf *out, const char *s)
{
    size_t l = 0;
    while (s[l] && s[l] != '\n')
        l++;
    kk_sbuf_add(out, s, l);
}

static void char_ipa(const kk_zh *z, const char *c, kk_sbuf *out)
{
    const unsigned char *u = (const unsigned char *)c;
    uint32_t cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    uint32_t v = cp >= KK_ZH_HAN_FIRST && cp <= KK_ZH_HAN_LAST ? z->chars[cp - KK_ZH_HAN_FIRST] : 0;
    /* No reading: misaki raises here; we skip the character (documented in the README). */
    if (v)
        add_line(out, z->chr_base + v - 1);
}

/* The phrase IPA (1 + offset) of word[0..n chars), 0 when only a prefix, -1 when not even that. */
static long phrase(const kk_zh *z, const char *w, size_t n)
{
    const kk_zh_slot *s = kk_zh_map_get(&z->phrases, w, 3 * n);
    return s ? (long)(s->meta >> 8) : -1;
}

void kk_zh_word_ipa(const kk_zh *z, const char *w, size_t nchars, kk_sbuf *out)
{
    size_t i = 0;
    while (i < nchars) {
        size_t best = 0; /* longest phrase at i, in characters */
        long best_ipa = 0;
        size_t n = 1;
        int whole = 1;
        for (; i + n <= nchars; n++) {
            long p = phrase(z, w + 3 * i, n);
            if (p < 0) {
                whole = 0;
                break;
            }
            if (p > 0) {
                best = n;
                best_ipa = p;
            }
        }
        if (best) {
            add_line(out, z->phr_base + best_ipa - 1);
            i += best;
        } else if (whole) {
            for (; i < nchars; i++)
                char_ipa(z, w + 3 * i, out);
        } else {
            char_ipa(z, w + 3 * i, out);
            i++;
        }
    }
}
