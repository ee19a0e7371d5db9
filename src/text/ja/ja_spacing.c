/* Cutlet's spacing pass and final string clean-up, keeping track of which token every output
 * character came from, so that the result can be handed on as words (for chunking and captions)
 * that join back to misaki's exact string:
 *   - spacing: surface in 「『« or roma in ([ → space before, none after; surface in 」』» or
 *     roma in ]).,?!: → no space before, one after; roma " " (・) → none; else a space after
 *     (Python substring tests: an empty roma is "in" every string);
 *   - っ deleted from every token;
 *   - strip, runs of whitespace → one space, ( → «, ) → »;
 *   - a space before ʔ goes unless it follows one of ! " , . : ; ? » — … ”, and a space after ʔ
 *     goes unless it precedes one of " « “ (both judged on the string before deletions). */
#include <stdlib.h>
#include <string.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

typedef struct {
    uint32_t c;
    long tok; /* -1: a separating space */
} och;

static int in(const char *set, const char *s) { return strstr(set, s) != NULL; }

static int cp_in(uint32_t c, const uint32_t *set)
{
    for (; *set; set++)
        if (c == *set)
            return 1;
    return 0;
}

int kk_ja_assemble(kk_ja_token *tok, size_t n, kk_pwords *out)
{
    int *space = calloc(n ? n : 1, sizeof *space);
    if (!space)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = tok[i].surf, *r = tok[i].roma;
        if (in("「『«", s) || in("([", r)) {
            if (i)
                space[i - 1] = 1;
        } else if (in("」』»", s) || in("]).,?!:", r)) {
            if (i)
                space[i - 1] = 0;
            space[i] = 1;
        } else
            space[i] = strcmp(r, " ") != 0;
    }
    /* The characters in order, っ removed, separators marked. */
    och *v = NULL;
    size_t m = 0, cap = 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const char *r = tok[i].roma;
        size_t rl = strlen(r);
        for (size_t k = 0; k <= rl && ok;) {
            uint32_t c;
            long t = (long)i;
            if (k < rl)
                c = kk_u8_next(r, rl, &k);
            else if (space[i]) {
                c = ' ';
                t = -1;
                k++;
            } else
                break;
            if (c == 0x3063)
                continue;
            if (m == cap) {
                size_t nc = cap ? cap * 2 : 64;
                och *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    ok = 0;
                    break;
                }
                v = nv;
                cap = nc;
            }
            v[m++] = (och){c, t};
        }
    }
    free(space);
    if (!ok) {
        free(v);
        return 0;
    }
    /* strip, collapse, parentheses */
    size_t a = 0, b = m, w = 0;
    while (a < b && kk_ja_isspace(v[a].c))
        a++;
    while (b > a && kk_ja_isspace(v[b - 1].c))
        b--;
    for (size_t i = a; i < b; i++) {
        if (kk_ja_isspace(v[i].c)) {
            if (w && v[w - 1].tok == -1 && v[w - 1].c == ' ')
                continue;
            v[w++] = (och){' ', -1};
            continue;
        }
        och x = v[i];
        if (x.c == '(')
            x.c = 0xAB;
        else if (x.c == ')')
            x.c = 0xBB;
        v[w++] = x;
    }
    m = w;
    /* the ʔ rule, judged on the string before any deletion */
    static const uint32_t before[] = {'!', '"', ',', '.', ':', ';', '?', 0xBB, 0x2014, 0x2026, 0x201D, 0};
    static const uint32_t after[] = {'"', 0xAB, 0x201C, 0};
    char *del = calloc(m ? m : 1, 1);
    if (!del) {
        free(v);
        return 0;
    }
    for (size_t i = 0; i < m; i++) {
        if (v[i].tok != -1)
            continue;
        uint32_t p = i ? v[i - 1].c : 0, q = i + 1 < m ? v[i + 1].c : 0;
        if ((q == 0x294 && !(i && cp_in(p, before))) || (i && p == 0x294 && !(q && cp_in(q, after))))
            del[i] = 1;
    }
    /* words: runs of one token's characters; a kept space after a run sets its ws */
    kk_sbuf ps;
    kk_sbuf_init(&ps);
    for (size_t i = 0; i < m && ok;) {
        if (v[i].tok == -1) {
            i++;
            continue;
        }
        long t = v[i].tok;
        kk_sbuf_clear(&ps);
        size_t j = i;
        while (j < m && v[j].tok == t) {
            kk_sbuf_addcp(&ps, v[j].c);
            j++;
        }
        int ws = 0;
        while (j < m && v[j].tok == -1) {
            ws |= !del[j];
            j++;
        }
        char *p = kk_sbuf_take(&ps);
        ok = p && kk_pwords_push(out, tok[t].sa, tok[t].sb, p, ws);
        i = j;
    }
    kk_sbuf_free(&ps);
    free(del);
    free(v);
    return ok;
}
