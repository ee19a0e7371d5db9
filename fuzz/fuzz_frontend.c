/* Fuzzes the text front end end to end (pause tags, custom pronunciations, normaliser, G2P,
 * chunker): arbitrary bytes, invalid UTF-8 included. Every call must succeed or fail with a
 * status, keep every chunk within the phoneme limit and keep its output bounded by the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kokoro.h"

static kokoro_frontend *fe;

static size_t count_cps(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!fe && kokoro_frontend_new(&fe, NULL) != KOKORO_OK)
        abort();
    /* first byte: language and normalisation switch; English most of the time */
    static const char *langs[] = {"a", "a", "a", "b", "b", "e", "f", "h", "i", "p", "j", "q"};
    const char *lang = langs[(data[0] & 0x7F) % (sizeof langs / sizeof *langs)];
    kokoro_normalization_options opt;
    kokoro_normalization_options_init(&opt);
    opt.normalize = !(data[0] & 0x80);
    opt.unit_normalization = (data[0] >> 4) & 1;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t len = strlen(text);

    kokoro_chunk *ch = NULL;
    size_t n = 0;
    kokoro_error err;
    kokoro_status st = kokoro_text_to_chunks(fe, text, lang, &opt, &ch, &n, &err);
    if (st == KOKORO_OK) {
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            size_t c = count_cps(ch[i].phonemes);
            if (c > KOKORO_MAX_PHONEMES)
                abort();
            total += c;
            for (size_t w = 0; w < ch[i].n_words; w++) {
                const kokoro_word *x = &ch[i].words[w];
                if (x->src_end > len || x->src_start > x->src_end || x->ph_end > c || x->ph_start > x->ph_end)
                    abort();
            }
        }
        /* the normaliser grows text at most 16x; phonemes stay within a few symbols per letter */
        if (total > 200 * len + 4096)
            abort();
        kokoro_chunks_free(ch, n);
    } else if (st != KOKORO_ERR_UNSUPPORTED && st != KOKORO_ERR_NOT_FOUND && st != KOKORO_ERR_TOO_LONG &&
               st != KOKORO_ERR_INTERNAL) {
        abort();
    }
    free(text);
    return 0;
}
