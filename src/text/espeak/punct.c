/* phonemizer's punctuation preservation (Punctuation.preserve / restore, phonemizer 3.3 with
 * the espeak backend's word separator ' ' and strip=False), as misaki's espeak G2P and English
 * fallback use it. Marks are found with phonemizer's regex (\s*[marks]+\s*)+, the text between
 * them is phonemized piece by piece and the marks go back verbatim, their whitespace included;
 * reproducing the restore loop step by step keeps its quirks (one separator dropped before each
 * mark, nothing added after a leading mark). */
#include <stdlib.h>
#include <string.h>

#include "text/espeak/espeak.h"
#include "text/sbuf.h"
#include "util/error.h"

static int is_mark(uint32_t c)
{
    static const uint32_t marks[] = {';', ':', ',', '.', '!', '?', 0xA1, 0xBF, 0x2014, 0x2026, '"',
                                     0xAB, 0xBB, 0x201C, 0x201D, '(', ')', '{', '}', '[', ']'};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (marks[i] == c)
            return 1;
    return 0;
}

typedef struct {
    size_t start, end;
    char pos; /* 'B'egin, 'E'nd, 'I'nside, 'A'lone */
} mark_run;

/* A match of the regex is a maximal run of whitespace and marks holding at least one mark. */
static size_t find_marks(const char *s, size_t n, mark_run **out, kokoro_error *err, kokoro_status *st)
{
    mark_run *v = NULL;
    size_t nv = 0, cap = 0, i = 0;
    *st = KOKORO_OK;
    while (i < n) {
        size_t a = i, j = i;
        int any = 0;
        while (j < n) {
            size_t t = j;
            uint32_t c = kk_u8_next(s, n, &t);
            if (is_mark(c))
                any = 1;
            else if (!kk_py_space(c))
                break;
            j = t;
        }
        if (j == a) {
            kk_u8_next(s, n, &i);
            continue;
        }
        i = j;
        if (!any)
            continue;
        if (nv == cap) {
            cap = cap ? cap * 2 : 16;
            mark_run *nvp = realloc(v, cap * sizeof *v);
            if (!nvp) {
                free(v);
                *st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                return 0;
            }
            v = nvp;
        }
        v[nv++] = (mark_run){a, j, 'I'};
    }
    if (nv == 1 && v[0].start == 0 && v[0].end == n)
        v[0].pos = 'A';
    else if (nv) {
        if (v[0].start == 0)
            v[0].pos = 'B';
        else if (nv == 1 && v[0].end == n)
            v[0].pos = 'E';
        if (nv > 1 && v[nv - 1].end == n)
            v[nv - 1].pos = 'E';
    }
    *out = v;
    return nv;
}

static void drop_last_space(kk_sbuf *b)
{
    if (b->len && b->s[b->len - 1] == ' ')
        b->s[--b->len] = '\0';
}

kokoro_status kk_espeak_phonemize_punct(const char *lang, const char *text, char **out, kokoro_error *err)
{
    *out = NULL;
    size_t n = strlen(text);
    mark_run *m = NULL;
    kokoro_status st;
    size_t nm = find_marks(text, n, &m, err, &st);
    if (st != KOKORO_OK)
        return st;
    /* The pieces between marks (empty ones dropped), each phonemized on its own. */
    size_t np = 0;
    kk_sbuf *ph = calloc(nm + 1, sizeof *ph);
    if (!ph) {
        free(m);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    kk_sbuf piece;
    kk_sbuf_init(&piece);
    for (size_t k = 0, at = 0; k <= nm && st == KOKORO_OK; k++) {
        size_t end = k < nm ? m[k].start : n;
        if (end > at) {
            kk_sbuf_clear(&piece);
            kk_sbuf_add(&piece, text + at, end - at);
            char *p = NULL;
            st = kk_espeak_phonemize(lang, piece.s ? piece.s : "", &p, err);
            if (st == KOKORO_OK) {
                kk_sbuf_init(&ph[np]);
                kk_sbuf_add(&ph[np++], p, strlen(p));
            }
            free(p);
        }
        if (k < nm)
            at = m[k].end;
    }
    kk_sbuf_free(&piece);
    /* Punctuation.restore with every mark on line 0. */
    kk_sbuf res;
    kk_sbuf_init(&res);
    size_t ti = 0, mi = 0;
    int pos = 0, have_res = 0;
    while (st == KOKORO_OK && (ti < np || mi < nm)) {
        if (mi == nm) {
            for (; ti < np; ti++)
                if (!have_res++) {
                    kk_sbuf_add(&res, ph[ti].s ? ph[ti].s : "", ph[ti].len);
                    if (!res.len || res.s[res.len - 1] != ' ')
                        kk_sbuf_addc(&res, ' ');
                }
            break;
        }
        if (ti == np) {
            if (!have_res++)
                for (; mi < nm; mi++)
                    kk_sbuf_add(&res, text + m[mi].start, m[mi].end - m[mi].start);
            break;
        }
        if (pos != 0) {
            if (!have_res++)
                kk_sbuf_add(&res, ph[ti].s ? ph[ti].s : "", ph[ti].len);
            ti++;
            pos++;
            continue;
        }
        const mark_run *mk = &m[mi++];
        size_t ml = mk->end - mk->start;
        const char *mark = text + mk->start;
        int ends_ws = mark[ml - 1] == ' ';
        drop_last_space(&ph[ti]);
        if (mk->pos == 'B') {
            kk_sbuf t;
            kk_sbuf_init(&t);
            kk_sbuf_add(&t, mark, ml);
            kk_sbuf_add(&t, ph[ti].s ? ph[ti].s : "", ph[ti].len);
            kk_sbuf_free(&ph[ti]);
            ph[ti] = t;
        } else if (mk->pos == 'E' || mk->pos == 'A') {
            if (!have_res++) {
                if (mk->pos == 'E')
                    kk_sbuf_add(&res, ph[ti].s ? ph[ti].s : "", ph[ti].len);
                kk_sbuf_add(&res, mark, ml);
                if (!ends_ws)
                    kk_sbuf_addc(&res, ' ');
            }
            if (mk->pos == 'E')
                ti++;
            pos++;
        } else if (ti + 1 == np) {
            kk_sbuf_add(&ph[ti], mark, ml);
        } else {
            /* text[0] + mark + text[1] becomes text[1]; appending in place keeps a long run of
             * marks linear */
            kk_sbuf_add(&ph[ti], mark, ml);
            kk_sbuf_add(&ph[ti], ph[ti + 1].s ? ph[ti + 1].s : "", ph[ti + 1].len);
            kk_sbuf_free(&ph[ti + 1]);
            ph[ti + 1] = ph[ti];
            kk_sbuf_init(&ph[ti]);
            ti++;
        }
    }
    int oom = 0;
    for (size_t k = 0; k < np; k++) {
        oom |= ph[k].oom;
        kk_sbuf_free(&ph[k]);
    }
    free(ph);
    free(m);
    if (st != KOKORO_OK || oom || res.oom) {
        kk_sbuf_free(&res);
        return st != KOKORO_OK ? st : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    /* misaki keeps the first restored line, stripped */
    size_t a = 0, b = res.len;
    kk_py_strip(res.s ? res.s : "", &a, &b);
    char *r = malloc(b - a + 1);
    if (r) {
        if (b > a)
            memcpy(r, res.s + a, b - a);
        r[b - a] = '\0';
    }
    kk_sbuf_free(&res);
    *out = r;
    return r ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
}
