/* Code point strings with source spans, shared by the stages of the Japanese G2P. */
#include <stdlib.h>
#include <string.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

void kk_ja_str_init(kk_ja_str *s, int spans)
{
    memset(s, 0, sizeof *s);
    s->spans = spans;
}

void kk_ja_str_free(kk_ja_str *s)
{
    free(s->cp);
    free(s->sa);
    free(s->sb);
    memset(s, 0, sizeof *s);
}

static int grow(kk_ja_str *s)
{
    size_t cap = s->cap ? s->cap * 2 : 32;
    uint32_t *cp = realloc(s->cp, cap * sizeof *cp);
    if (!cp)
        return 0;
    s->cp = cp;
    if (s->spans) {
        size_t *sa = realloc(s->sa, cap * sizeof *sa);
        if (!sa)
            return 0;
        s->sa = sa;
        size_t *sb = realloc(s->sb, cap * sizeof *sb);
        if (!sb)
            return 0;
        s->sb = sb;
    }
    s->cap = cap;
    return 1;
}

void kk_ja_str_push(kk_ja_str *s, uint32_t cp, size_t sa, size_t sb)
{
    if (s->oom)
        return;
    if (s->n == s->cap && !grow(s)) {
        s->oom = 1;
        return;
    }
    s->cp[s->n] = cp;
    if (s->spans) {
        s->sa[s->n] = sa;
        s->sb[s->n] = sb;
    }
    s->n++;
}

void kk_ja_str_push_u8(kk_ja_str *s, const char *u8, size_t sa, size_t sb)
{
    size_t n = strlen(u8), i = 0;
    while (i < n)
        kk_ja_str_push(s, kk_u8_next(u8, n, &i), sa, sb);
}

char *kk_ja_str_utf8(const kk_ja_str *s, size_t a, size_t b, size_t **offs)
{
    size_t bytes = 0;
    for (size_t i = a; i < b; i++)
        bytes += (size_t)kk_u8_len(s->cp[i]);
    char *u = malloc(bytes + 1);
    size_t *o = offs ? malloc((b - a + 1) * sizeof *o) : NULL;
    if (!u || (offs && !o)) {
        free(u);
        free(o);
        return NULL;
    }
    size_t p = 0;
    for (size_t i = a; i < b; i++) {
        if (o)
            o[i - a] = p;
        p += (size_t)kk_u8_put(s->cp[i], u + p);
    }
    if (o)
        o[b - a] = p;
    u[p] = '\0';
    if (offs)
        *offs = o;
    return u;
}

int kk_ja_isspace(uint32_t c)
{
    /* Python's str.isspace: bidi class WS, B or S, or category Zs. */
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}
