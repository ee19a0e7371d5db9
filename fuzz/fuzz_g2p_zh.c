/* Fuzzes the Mandarin G2P (src/text/zh): arbitrary bytes straight into kk_zh_g2p, then through
 * the front end with language z (clause units, chunker, /dev/phonemize's path). Every call must
 * succeed, keep chunks within the phoneme limit and keep its output bounded by the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kokoro.h"
#include "text/zh/zh.h"

static kk_zh *zh;
static kokoro_frontend *fe;

static size_t count_cps(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Worst growth of one input code point: a digit read as a numeral plus a unit (two characters),
 * each character up to ~8 IPA code points and a space; 百分之/摄氏度/分之 add three more. */
#define KK_ZH_GROWTH 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kokoro_error err;
    if (!zh && !(zh = kk_zh_new(&err)))
        abort();
    if (!fe && kokoro_frontend_new(&fe, NULL) != KOKORO_OK)
        abort();
    char *ps = NULL;
    if (kk_zh_g2p(zh, (const char *)data, size, &ps, &err) != KOKORO_OK)
        abort();
    if (count_cps(ps) > KK_ZH_GROWTH * (size + 1))
        abort();
    free(ps);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t in_cps = count_cps(text);
    kokoro_chunk *ch = NULL;
    size_t n = 0;
    if (kokoro_text_to_chunks(fe, text, "z", NULL, &ch, &n, &err) != KOKORO_OK)
        abort();
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = count_cps(ch[i].phonemes);
        if (c > KOKORO_MAX_PHONEMES)
            abort();
        total += c;
        for (size_t k = 0; k < ch[i].n_words; k++)
            if (ch[i].words[k].ph_end > c || ch[i].words[k].src_end > strlen(text))
                abort();
    }
    if (total > KK_ZH_GROWTH * (in_cps + 1))
        abort();
    kokoro_chunks_free(ch, n);
    char *ph = NULL;
    if (kokoro_phonemize(fe, text, "zh", &ph, &err) != KOKORO_OK || count_cps(ph) > KK_ZH_GROWTH * (in_cps + 1))
        abort();
    free(ph);
    free(text);
    return 0;
}
