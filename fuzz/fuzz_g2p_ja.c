/* Fuzzes the Japanese G2P (normalisation, num2kana, MeCab, regrouping, kana table, spacing) on
 * arbitrary bytes: invalid UTF-8, NULs, misaki's crash inputs and their relatives. Every call
 * must succeed, give word spans inside the input and in order, and keep the phonemes bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/ja/g2p_ja.h"
#include "text/sbuf.h"

static kk_g2p_ja *g;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kokoro_error err;
    if (!g && kk_g2p_ja_new("naist-jdic", &g, &err) != KOKORO_OK)
        abort();
    const char *text = (const char *)data;
    kk_pwords w = {0};
    if (kk_g2p_ja_line(g, text, size, &w, &err) != KOKORO_OK)
        abort();
    size_t total = 0, prev = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (w.v[i].start > w.v[i].end || w.v[i].end > size || w.v[i].start < prev)
            abort();
        prev = w.v[i].start;
        total += kk_u8_count(w.v[i].ps, strlen(w.v[i].ps)) + 1;
    }
    /* NFKC grows a character at most 18x and a nine-digit number reads as ~30 kana; a few
     * phonemes per kana. */
    if (total > 200 * size + 64)
        abort();
    kk_pwords_free(&w);
    return 0;
}
