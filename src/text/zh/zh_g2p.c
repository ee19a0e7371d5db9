/* ZHG2P.__call__ on the legacy path: numbers, punctuation, then CJK runs through jieba and pypinyin
 * while everything else passes through verbatim. */
#include <stdlib.h>
#include <string.h>

#include "text/ucase.h"
#include "text/zh/zh_internal.h"
#include "util/error.h"

/* misaki's map_punctuation, in its order. */
static const char *const PUNCT[][2] = {
    {"、", ", "}, {"，", ", "}, {"。", ". "}, {"．", ". "}, {"！", "! "}, {"：", ": "},
    {"；", "; "}, {"？", "? "}, {"«", " “"}, {"»", "” "}, {"《", " “"}, {"》", "” "},
    {"「", " “"}, {"」", "” "}, {"【", " “"}, {"】", "” "}, {"（", " ("}, {"）", ") "}};

typedef struct {
    const kk_zh *z;
    const char *run;
    kk_sbuf *out, word;
    int first;
} run_ctx;

static int on_word(void *p, size_t start, size_t count)
{
    run_ctx *c = p;
    kk_sbuf_clear(&c->word);
    kk_zh_word_ipa(c->z, c->run + 3 * start, count, &c->word);
    if (c->word.oom)
        return 0;
    if (!c->word.len)
        return 1;
    if (!c->first)
        kk_sbuf_addc(c->out, ' ');
    kk_sbuf_add(c->out, c->word.s, c->word.len);
    c->first = 0;
    return !c->out->oom;
}

static int is_han(uint32_t c) { return c >= KK_ZH_HAN_FIRST && c <= KK_ZH_HAN_LAST; }

kokoro_status kk_zh_g2p(const kk_zh *z, const char *text, size_t len, char **ps, kokoro_error *err)
{
    *ps = NULL;
    size_t a = 0, b = len;
    kk_py_strip(text, &a, &b);
    kk_sbuf t, out;
    kk_sbuf_init(&t);
    kk_sbuf_init(&out);
    kk_sbuf_add(&out, "", 0);
    int ok = 1;
    if (a < b) {
        kk_zh_numbers(text, len, &t);
        for (size_t i = 0; i < sizeof PUNCT / sizeof PUNCT[0]; i++)
            kk_sbuf_replace(&t, PUNCT[i][0], PUNCT[i][1]);
        size_t sa = 0, sb = t.len;
        if (t.s)
            kk_py_strip(t.s, &sa, &sb);
        run_ctx c = {z, NULL, &out, {0}, 1};
        kk_sbuf_init(&c.word);
        size_t i = sa;
        while (ok && !t.oom && i < sb) {
            size_t j = i;
            uint32_t cp = kk_u8_next(t.s, sb, &j);
            size_t k = i, nch = 0;
            if (is_han(cp)) {
                while (k < sb) {
                    size_t m = k;
                    if (!is_han(kk_u8_next(t.s, sb, &m)))
                        break;
                    k = m;
                    nch++;
                }
                c.run = t.s + i;
                c.first = 1;
                ok = kk_zh_cut(z, c.run, nch, on_word, &c);
            } else {
                while (k < sb) {
                    size_t m = k;
                    if (is_han(kk_u8_next(t.s, sb, &m)))
                        break;
                    k = m;
                }
                kk_sbuf_add(&out, t.s + i, k - i);
            }
            i = k;
        }
        kk_sbuf_free(&c.word);
        kk_sbuf_replace(&out, "\xCC\xAF", ""); /* U+032F, wherever it came from */
    }
    if (!ok || t.oom || out.oom) {
        kk_sbuf_free(&t);
        kk_sbuf_free(&out);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "Mandarin G2P: out of memory");
    }
    kk_sbuf_free(&t);
    *ps = kk_sbuf_take(&out);
    return *ps ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "Mandarin G2P: out of memory");
}
