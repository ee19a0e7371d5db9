/* KPipeline's path for the espeak languages (kokoro 0.9 pipeline.py, lang_code not 'a'/'b'):
 * lines split at runs of '\n'; each line cut into chunks of at most 400 code points at the
 * runs of . ! ? (re.split(r'([.!?]+)'), so a decimal point cuts too); each chunk stripped and
 * phonemized on its own by misaki's EspeakG2P. A chunk becomes word units when espeak kept the
 * word count (for timestamps), else one unit, and always ends a synthesis chunk, as it does there. */
#include <stdlib.h>
#include <string.h>

#include "text/espeak/espeak.h"
#include "text/g2p.h"
#include "text/sbuf.h"
#include "util/error.h"

#define KK_ESPEAK_CHUNK_CPS 400

static int ascii_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static char *dup_range(const char *s, size_t a, size_t b)
{
    char *r = malloc(b - a + 1);
    if (r) {
        memcpy(r, s + a, b - a);
        r[b - a] = '\0';
    }
    return r;
}

static size_t count_words(const char *s, size_t a, size_t b, int ascii_only_space)
{
    size_t n = 0;
    for (size_t i = a; i < b;) {
        while (i < b && (ascii_only_space ? s[i] == ' ' : ascii_ws(s[i])))
            i++;
        if (i < b)
            n++;
        while (i < b && !(ascii_only_space ? s[i] == ' ' : ascii_ws(s[i])))
            i++;
    }
    return n;
}

static kokoro_status emit_chunk(const char *lang, const char *s, size_t p, size_t e, kk_units *units,
                                kokoro_error *err)
{
    kk_py_strip(s, &p, &e);
    if (e <= p)
        return KOKORO_OK;
    char *ps = NULL;
    kokoro_status st = kk_g2p_other(lang, s + p, e - p, &ps, err);
    if (st != KOKORO_OK)
        return st;
    size_t pl = strlen(ps);
    if (!pl) {
        free(ps);
        return KOKORO_OK;
    }
    size_t nt = count_words(s, p, e, 0), np = count_words(ps, 0, pl, 1), first = units->n;
    if (nt == np) {
        /* Each word keeps the spaces after it but one (ws stands for that one), so the chunk's
         * phonemes stay those of the reference, runs of spaces inside marks included. */
        size_t i = p, c = 0;
        for (size_t w = 0; w < nt && st == KOKORO_OK; w++) {
            while (i < e && ascii_ws(s[i]))
                i++;
            size_t wa = i;
            while (i < e && !ascii_ws(s[i]))
                i++;
            while (c < pl && ps[c] == ' ')
                c++;
            size_t pa = c;
            while (c < pl && ps[c] != ' ')
                c++;
            size_t pe = c;
            while (pe < pl && ps[pe] == ' ')
                pe++;
            if (pe > c && pe < pl)
                pe--; /* the last space is the unit's ws */
            else
                pe = c;
            c = pe;
            if (!kk_units_push(units, wa, i, dup_range(s, wa, i), dup_range(ps, pa, pe), 1))
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        }
        free(ps);
    } else if (!kk_units_push(units, p, e, dup_range(s, p, e), ps, 1))
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    if (st == KOKORO_OK && units->n > first)
        units->v[units->n - 1].hard_break = 1;
    return st;
}

static int sentence_mark(char c) { return c == '.' || c == '!' || c == '?'; }

kokoro_status kk_espeak_segment(const char *lang, const char *s, size_t a, size_t b, kk_units *units,
                                kokoro_error *err)
{
    kokoro_status st = KOKORO_OK;
    for (size_t la = a; la < b && st == KOKORO_OK;) {
        size_t lb = la;
        while (lb < b && s[lb] != '\n')
            lb++;
        size_t cur = la, cur_cps = 0;
        for (size_t p = la; p < lb && st == KOKORO_OK;) {
            size_t r = p;
            while (r < lb && !sentence_mark(s[r]))
                r++;
            while (r < lb && sentence_mark(s[r]))
                r++;
            size_t n = kk_u8_count(s + p, r - p);
            if (cur_cps + n <= KK_ESPEAK_CHUNK_CPS)
                cur_cps += n;
            else {
                if (cur_cps)
                    st = emit_chunk(lang, s, cur, p, units, err);
                cur = p;
                cur_cps = n;
            }
            p = r;
        }
        if (st == KOKORO_OK && cur_cps)
            st = emit_chunk(lang, s, cur, lb, units, err);
        la = lb + 1;
    }
    return st;
}
