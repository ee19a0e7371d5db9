#include "text/tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

size_t kk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

kokoro_status kk_tokenize(const kk_config *cfg, const char *phonemes, int64_t **ids, size_t *n_ids,
                          size_t *n_codepoints, kokoro_error *err)
{
    *ids = NULL;
    *n_ids = 0;
    if (n_codepoints)
        *n_codepoints = 0;
    if (!phonemes)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "tokenize: no phoneme string");
    size_t len = strlen(phonemes);
    /* At most one id per byte. */
    int64_t *out = malloc((len ? len : 1) * sizeof *out);
    if (!out)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "tokenize: out of memory");
    const unsigned char *s = (const unsigned char *)phonemes;
    size_t pos = 0, n = 0, cps = 0;
    while (pos < len) {
        uint32_t cp;
        size_t l = kk_utf8_decode(s + pos, len - pos, &cp);
        if (l == 0) {
            free(out);
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "phonemes: invalid UTF-8 at byte %zu", pos);
        }
        pos += l;
        cps++;
        int id = kk_config_token_id(cfg, cp);
        if (id >= 0)
            out[n++] = id;
    }
    *ids = out;
    *n_ids = n;
    if (n_codepoints) /* kokoro_tokenize passes NULL: it has no use for the count */
        *n_codepoints = cps;
    return KOKORO_OK;
}
