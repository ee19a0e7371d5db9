/* Mandarin text → chunker units: each line is cut after its clause punctuation, each clause is
 * phonemized on its own (it spells the same as inside the whole line: misaki's punctuation map
 * leaves a space after every mark it rewrites) and becomes one unit plus one unit per trailing
 * mark, so that the chunker can cut at 。！？；、，… and timestamps come per clause. */
#include <stdlib.h>
#include <string.h>

#include "text/chunker.h"
#include "text/zh/zh_internal.h"
#include "util/error.h"

/* Marks that end a clause wherever they stand. clause: Kokoro-FastAPI's Chinese sentence split. */
static int cjk_mark(uint32_t c, int *clause)
{
    *clause = c == 0xFF0C || c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B || c == 0x3001;
    return *clause || c == 0xFF0E || c == 0xFF1A || c == 0x2026;
}

static int ascii_mark(uint32_t c) { return c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == ':'; }

/* Longest clause in code points: a text without punctuation is cut into pieces of this size
 * (a few chunks' worth), so that no unit carries a huge span of text. */
#define KK_ZH_CLAUSE_MAX 80

static int space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* The phoneme marks a clause may end with (what misaki makes of the marks above). */
static int ps_mark(const char *s, size_t *len)
{
    if (strchr(",.!?;:", *s) && *s) {
        *len = 1;
        return 1;
    }
    if (strncmp(s, "…", 3) == 0) {
        *len = 3;
        return 1;
    }
    return 0;
}

/* Whether s[i] (line end lb) is a clause mark: any CJK one, an ASCII one only before a space,
 * the line end or another mark (so 3.5 and a.b stay whole). *next: the byte after it. */
static int mark_at(const char *s, size_t lb, size_t i, size_t *next)
{
    size_t j = i;
    uint32_t c = kk_u8_next(s, lb, &j);
    int cl;
    if (next)
        *next = j;
    return cjk_mark(c, &cl) || (ascii_mark(c) && (j >= lb || space(s[j]) || ascii_mark((uint8_t)s[j])));
}

static char *dup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

/* One clause s[a, e): its units. m: where its trailing run of marks starts (e if none). */
static kokoro_status clause(const kk_zh *z, const char *s, size_t a, size_t m, size_t e, kk_units *u,
                            kokoro_error *err)
{
    char *ps = NULL;
    kokoro_status st = kk_zh_g2p(z, s + a, e - a, &ps, err);
    if (st != KOKORO_OK)
        return st;
    size_t n = strlen(ps);
    /* split the phonemes' trailing marks off: [0, h) head, then marks and spaces */
    size_t h = n, nm = 0;
    for (;;) {
        size_t p = h;
        while (p > 0 && ps[p - 1] == ' ')
            p--;
        if (p == 0)
            break;
        size_t q = p - 1, l = 0;
        while (q > 0 && ((unsigned char)ps[q] & 0xC0) == 0x80)
            q--;
        if (!ps_mark(ps + q, &l) || q + l != p)
            break;
        h = q;
        nm++;
    }
    /* source marks, one per phoneme mark when the counts agree */
    size_t src_marks = 0;
    for (size_t i = m; i < e;) {
        kk_u8_next(s, e, &i);
        src_marks++;
    }
    size_t hh = h;
    while (hh > 0 && ps[hh - 1] == ' ')
        hh--;
    int ok = 1;
    size_t ha = a, he = m;
    while (ha < he && space(s[ha]))
        ha++;
    while (he > ha && space(s[he - 1]))
        he--;
    if (hh > 0)
        ok = kk_units_push(u, ha < he ? ha : a, ha < he ? he : m, dup(s + ha, he - ha), dup(ps, hh), nm == 0 || h > hh);
    size_t si = m, pi = h;
    for (size_t k = 0; ok && k < nm; k++) {
        while (ps[pi] == ' ')
            pi++;
        size_t l = 0;
        ps_mark(ps + pi, &l);
        size_t sa = m, sb = e;
        int is_clause = 0;
        if (src_marks == nm) {
            sa = si;
            uint32_t c = kk_u8_next(s, e, &si);
            sb = si;
            cjk_mark(c, &is_clause);
        }
        pi += l;
        int ws = ps[pi] == ' ' || k + 1 == nm;
        ok = kk_units_push(u, sa, sb, dup(s + sa, sb - sa), dup(ps + pi - l, l), ws);
        if (ok && is_clause)
            u->v[u->n - 1].clause_end = 1;
    }
    free(ps);
    return ok ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
}

kokoro_status kk_zh_units(const kk_zh *z, const char *s, size_t a, size_t b, kk_units *u, kokoro_error *err)
{
    kokoro_status st = KOKORO_OK;
    size_t la = a;
    while (st == KOKORO_OK && la < b) {
        size_t lb = la;
        while (lb < b && s[lb] != '\n')
            lb++;
        size_t first = u->n, p = la;
        while (st == KOKORO_OK && p < lb) {
            /* the clause runs to the end of its first run of marks, or is cut at the last
             * space (else script change, else character) once it holds KK_ZH_CLAUSE_MAX */
            size_t i = p, m = lb, e = lb, count = 0, cut_space = 0, cut_any = 0;
            int prev_han = 0, prev_space = 0;
            while (i < lb) {
                size_t j = i;
                uint32_t c = kk_u8_next(s, lb, &j);
                int han = c >= KK_ZH_HAN_FIRST && c <= KK_ZH_HAN_LAST, sp = c == ' ';
                if (i > p && (prev_space || sp))
                    cut_space = i;
                if (i > p && (prev_han || han))
                    cut_any = i;
                if (++count > KK_ZH_CLAUSE_MAX) {
                    m = e = cut_space ? cut_space : cut_any ? cut_any : i;
                    break;
                }
                prev_han = han;
                prev_space = sp;
                if (mark_at(s, lb, i, NULL)) {
                    m = i;
                    e = j;
                    size_t k;
                    while (e < lb && mark_at(s, lb, e, &k))
                        e = k;
                    break;
                }
                i = j;
            }
            st = clause(z, s, p, m, e, u, err);
            p = e;
        }
        if (st == KOKORO_OK && u->n > first && lb < b)
            u->v[u->n - 1].hard_break = 1;
        la = lb + 1;
    }
    return st;
}

kokoro_status kk_zh_phonemize_lines(const kk_zh *z, const char *s, size_t n, char **ps, kokoro_error *err)
{
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_add(&b, "", 0);
    kokoro_status st = KOKORO_OK;
    for (size_t la = 0; st == KOKORO_OK && la < n;) {
        size_t lb = la;
        while (lb < n && s[lb] != '\n')
            lb++;
        char *line = NULL;
        st = kk_zh_g2p(z, s + la, lb - la, &line, err);
        if (st == KOKORO_OK && *line) {
            if (b.len)
                kk_sbuf_addc(&b, ' ');
            kk_sbuf_adds(&b, line);
        }
        free(line);
        la = lb + 1;
    }
    if (st == KOKORO_OK && b.oom)
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    if (st != KOKORO_OK) {
        kk_sbuf_free(&b);
        return st;
    }
    *ps = kk_sbuf_take(&b);
    return KOKORO_OK;
}
