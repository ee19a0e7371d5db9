/* es, fr, hi, it, pt-br: espeak-ng with misaki's EspeakG2P mapping (Kokoro v1.0 settings). */
#include <stdlib.h>
#include <string.h>

#include "text/espeak/espeak.h"
#include "text/g2p.h"
#include "text/sbuf.h"
#include "util/error.h"

kokoro_status kk_g2p_other(const char *espeak_lang, const char *text, size_t len, char **ps, kokoro_error *err)
{
    *ps = NULL;
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_add(&b, text, len);
    /* Parentheses travel through phonemizer as « » so that they survive as punctuation. */
    kk_sbuf_replace(&b, "«", "“");
    kk_sbuf_replace(&b, "»", "”");
    kk_sbuf_replace(&b, "(", "«");
    kk_sbuf_replace(&b, ")", "»");
    if (b.oom) {
        kk_sbuf_free(&b);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    char *raw = NULL;
    kokoro_status st = kk_espeak_phonemize_punct(espeak_lang, b.s ? b.s : "", &raw, err);
    kk_sbuf_free(&b);
    if (st != KOKORO_OK)
        return st;
    kk_sbuf_adds(&b, raw);
    free(raw);
    static const char *pairs[][2] = {{"a^ɪ", "I"}, {"a^ʊ", "W"}, {"d^z", "ʣ"}, {"d^ʒ", "ʤ"},
                                     {"e^ɪ", "A"}, {"o^ʊ", "O"}, {"ə^ʊ", "Q"}, {"s^s", "S"},
                                     {"t^s", "ʦ"}, {"t^ʃ", "ʧ"}, {"ɔ^ɪ", "Y"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        kk_sbuf_replace(&b, pairs[i][0], pairs[i][1]);
    kk_sbuf_replace(&b, "^", "");
    kk_sbuf_replace(&b, "-", "");
    kk_sbuf_replace(&b, "«", "(");
    kk_sbuf_replace(&b, "»", ")");
    if (!b.s && !b.oom)
        kk_sbuf_add(&b, "", 0);
    *ps = kk_sbuf_take(&b);
    return *ps ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
}
