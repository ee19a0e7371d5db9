#include "text/sbuf.h"

#include <stdlib.h>
#include <string.h>

void kk_sbuf_init(kk_sbuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void kk_sbuf_free(kk_sbuf *b)
{
    free(b->s);
    kk_sbuf_init(b);
}

void kk_sbuf_clear(kk_sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

static int reserve(kk_sbuf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void kk_sbuf_add(kk_sbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void kk_sbuf_adds(kk_sbuf *b, const char *s) { kk_sbuf_add(b, s, strlen(s)); }
void kk_sbuf_addc(kk_sbuf *b, char c) { kk_sbuf_add(b, &c, 1); }

void kk_sbuf_addcp(kk_sbuf *b, uint32_t cp)
{
    char tmp[4];
    kk_sbuf_add(b, tmp, (size_t)kk_u8_put(cp, tmp));
}

char *kk_sbuf_take(kk_sbuf *b)
{
    if (b->oom) {
        kk_sbuf_free(b);
        return NULL;
    }
    if (!b->s && !reserve(b, 0))
        return NULL;
    if (b->len == 0)
        b->s[0] = '\0';
    char *s = b->s;
    kk_sbuf_init(b);
    return s;
}

uint32_t kk_u8_next(const char *str, size_t n, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t p = *i;
    unsigned c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return c;
    }
    int len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else { *i = p + 1; return 0xFFFD; }
    if (p + (size_t)len > n) { *i = p + 1; return 0xFFFD; }
    for (int k = 1; k < len; k++) {
        unsigned cc = s[p + (size_t)k];
        if ((cc & 0xC0) != 0x80) { *i = p + 1; return 0xFFFD; }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *i = p + 1; return 0xFFFD; }
    *i = p + (size_t)len;
    return cp;
}

size_t kk_u8_count(const char *s, size_t n)
{
    size_t i = 0, c = 0;
    while (i < n) {
        kk_u8_next(s, n, &i);
        c++;
    }
    return c;
}

int kk_u8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

int kk_u8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | (cp >> 6)); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)); o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)); o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

void kk_sbuf_replace(kk_sbuf *b, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    if (b->oom || !b->s || fl == 0 || !strstr(b->s, from))
        return;
    kk_sbuf out;
    kk_sbuf_init(&out);
    const char *p = b->s, *q;
    while ((q = strstr(p, from)) != NULL) {
        kk_sbuf_add(&out, p, (size_t)(q - p));
        kk_sbuf_add(&out, to, tl);
        p = q + fl;
    }
    kk_sbuf_adds(&out, p);
    if (out.oom) {
        kk_sbuf_free(&out);
        b->oom = 1;
        return;
    }
    free(b->s);
    *b = out;
    if (!b->s) kk_sbuf_add(b, "", 0);
}

uint64_t kk_fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}
