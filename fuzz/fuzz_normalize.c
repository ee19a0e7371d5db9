/* libFuzzer target for the English normaliser: arbitrary bytes (invalid UTF-8 included) must
 * never crash, must stay within the documented output bound, and must keep a valid span map.
 * The first input byte selects the options, so every option combination is explored. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kokoro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t flags = data[0];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0'; /* the API takes C strings: stop at the first NUL */
    size_t in_len = strlen(text);

    kokoro_normalization_options opt;
    kokoro_normalization_options_init(&opt);
    opt.unit_normalization = flags & 1;
    opt.url_normalization = !(flags & 2);
    opt.email_normalization = !(flags & 4);
    opt.optional_pluralization_normalization = !(flags & 8);
    opt.phone_normalization = !(flags & 16);
    opt.replace_remaining_symbols = !(flags & 32);
    opt.normalize = !(flags & 64);
    const char *lang = (flags & 128) ? "b" : "a";

    char *out = NULL;
    kokoro_span *spans = NULL;
    size_t n = 0;
    kokoro_status st = kokoro_normalize(text, lang, &opt, &out, &spans, &n, NULL);
    if (st != KOKORO_OK && st != KOKORO_ERR_NO_MEMORY)
        abort(); /* any text is valid input; the output bound must hold by construction */
    if (st == KOKORO_OK) {
        size_t out_len = strlen(out), pos = 0;
        if (out_len > 16 * in_len + 64)
            abort();
        for (size_t k = 0; k < n; k++) {
            if (spans[k].out_start != pos || spans[k].out_end <= pos ||
                spans[k].src_start > spans[k].src_end || spans[k].src_end > in_len)
                abort();
            pos = spans[k].out_end;
        }
        if (pos != out_len)
            abort();
    }
    free(out);
    free(spans);
    free(text);
    return 0;
}
