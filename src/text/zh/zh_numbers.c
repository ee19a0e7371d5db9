/* cn2an 0.5.23 transform(text, 'an2cn'): Arabic numbers → Chinese numerals in five regex passes
 * (date, fraction, percent, celsius, number), reproduced without a regex engine. Every pattern
 * is a run of digits with fixed punctuation around it, so each pass is one left-to-right scan. */
#include <stdlib.h>
#include <string.h>

#include "text/zh/zh_internal.h"

typedef struct {
    uint32_t *v;
    size_t n, cap;
    int oom;
} cpvec;

static void cv_push(cpvec *c, uint32_t x)
{
    if (c->oom)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        uint32_t *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = x;
}

static void cv_push_u8(cpvec *c, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n)
        cv_push(c, kk_u8_next(s, n, &i));
}

static void cv_copy(cpvec *c, const uint32_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cv_push(c, a[i]);
}

/* Python's \d: Unicode 14 (CPython 3.11) category Nd, which comes in aligned runs of ten. */
static const uint32_t nd_zero[] = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,
    0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,  0x1946,
    0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,  0xA900,  0xA9D0,
    0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
    0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
    0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};

static int is_digit(uint32_t c)
{
    if (c < 0x30)
        return 0;
    size_t lo = 0, hi = sizeof nd_zero / sizeof nd_zero[0];
    while (hi - lo > 1) { /* last zero <= c */
        size_t mid = (lo + hi) / 2;
        if (nd_zero[mid] <= c)
            lo = mid;
        else
            hi = mid;
    }
    return c - nd_zero[lo] < 10;
}

/* cn2an only converts ASCII digits and, after its full-width → half-width step, U+FF10..FF19;
 * -1 for any other digit (the conversion raises and the match stays as typed). */
static int value(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 0xFF10 && c <= 0xFF19)
        return (int)(c - 0xFF10);
    return -1;
}

static size_t run(const uint32_t *c, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && is_digit(c[j]))
        j++;
    return j - i;
}

static const char *const NUM[10] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
static const char *const UNIT[16] = {"", "十", "百", "千", "万", "十", "百", "千",
                                     "亿", "十", "百", "千", "万", "十", "百", "千"};

/* an2cn(digits, 'direct'): one numeral per digit. */
static int direct(const uint32_t *d, size_t n, cpvec *out)
{
    for (size_t i = 0; i < n; i++)
        if (value(d[i]) < 0)
            return 0;
    for (size_t i = 0; i < n; i++)
        cv_push_u8(out, NUM[value(d[i])]);
    return 1;
}

static int ends_with(const kk_sbuf *b, const char *s)
{
    size_t l = strlen(s);
    return b->len >= l && memcmp(b->s + b->len - l, s, l) == 0;
}

/* an2cn's integer conversion of ASCII digits d[0..n) (int() first: leading zeros go). */
static int integer(const int *d, size_t n, cpvec *out)
{
    while (n > 1 && d[0] == 0) {
        d++;
        n--;
    }
    if (n > 16)
        return 0;
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        size_t u = n - i - 1;
        if (d[i]) {
            kk_sbuf_adds(&b, NUM[d[i]]);
            kk_sbuf_adds(&b, UNIT[u]);
        } else {
            if (u % 4 == 0) {
                kk_sbuf_adds(&b, "零");
                kk_sbuf_adds(&b, UNIT[u]);
            }
            if (i > 0 && !ends_with(&b, "零"))
                kk_sbuf_adds(&b, "零");
        }
    }
    kk_sbuf_replace(&b, "零零", "零");
    kk_sbuf_replace(&b, "零万", "万");
    kk_sbuf_replace(&b, "零亿", "亿");
    kk_sbuf_replace(&b, "亿万", "亿");
    if (b.oom) {
        kk_sbuf_free(&b);
        out->oom = 1;
        return 1;
    }
    const char *s = b.s;
    size_t len = b.len;
    while (len >= 3 && memcmp(s, "零", 3) == 0) {
        s += 3;
        len -= 3;
    }
    while (len >= 3 && memcmp(s + len - 3, "零", 3) == 0)
        len -= 3;
    if (len >= 6 && memcmp(s, "一十", 6) == 0) {
        s += 3;
        len -= 3;
    }
    if (!len)
        cv_push_u8(out, "零");
    for (size_t i = 0; i < len;)
        cv_push(out, kk_u8_next(s, len, &i));
    kk_sbuf_free(&b);
    return 1;
}

/* an2cn(text, 'low') for a match made of an optional '-', digits and at most one '.'. Returns 0
 * where cn2an raises. */
static int low(const uint32_t *c, size_t n, cpvec *out)
{
    size_t i = 0;
    int neg = n > 0 && c[0] == '-';
    if (neg)
        i = 1;
    int *d = malloc((n ? n : 1) * sizeof *d);
    if (!d) {
        out->oom = 1;
        return 1;
    }
    size_t nd = 0, dot = (size_t)-1;
    for (; i < n; i++) {
        if (c[i] == '.') {
            dot = nd;
            continue;
        }
        int v = value(c[i]);
        if (v < 0) {
            free(d);
            return 0;
        }
        d[nd++] = v;
    }
    size_t ni = dot == (size_t)-1 ? nd : dot;
    size_t mark = out->n;
    if (neg)
        cv_push_u8(out, "负");
    if (!integer(d, ni, out)) {
        out->n = mark;
        free(d);
        return 0;
    }
    if (dot != (size_t)-1) {
        cv_push_u8(out, "点");
        size_t nf = nd - ni > 16 ? 16 : nd - ni;
        for (size_t k = 0; k < nf; k++)
            cv_push_u8(out, NUM[d[ni + k]]);
    }
    free(d);
    return 1;
}

/* ------------------------------------------------------------------ the passes */

/* (\d{2,4}年)?(\d{1,2}月)?(\d{1,2}日)? at c[i]: the end of the match (i when empty). Each optional
 * group takes its longest fit; later groups never make an earlier one back off. */
static size_t date_at(const uint32_t *c, size_t n, size_t i, size_t g[3])
{
    static const uint32_t mark[3] = {0x5E74 /* 年 */, 0x6708 /* 月 */, 0x65E5 /* 日 */};
    static const size_t lo[3] = {2, 1, 1}, hi[3] = {4, 2, 2};
    size_t p = i;
    for (int k = 0; k < 3; k++) {
        g[k] = 0;
        size_t r = run(c, n, p);
        for (size_t len = hi[k]; len >= lo[k]; len--)
            if (r >= len && p + len < n && c[p + len] == mark[k]) {
                g[k] = len;
                p += len + 1;
                break;
            }
    }
    return p;
}

static void pass_date(const uint32_t *c, size_t n, cpvec *out)
{
    size_t i = 0;
    while (i < n && !out->oom) {
        size_t g[3];
        size_t e = date_at(c, n, i, g);
        if (e == i) {
            cv_push(out, c[i++]);
            continue;
        }
        size_t mark = out->n, p = i;
        int ok = 1;
        for (int k = 0; k < 3 && ok; k++) {
            if (!g[k])
                continue;
            if (k == 0)
                ok = direct(c + p, g[k], out);
            else
                ok = low(c + p, g[k], out);
            cv_push(out, c[p + g[k]]);
            p += g[k] + 1;
        }
        if (!ok) {
            out->n = mark;
            cv_copy(out, c + i, e - i);
        }
        i = e;
    }
}

/* \d+/\d+ → denominator 分之 numerator */
static void pass_fraction(const uint32_t *c, size_t n, cpvec *out)
{
    size_t i = 0;
    while (i < n && !out->oom) {
        size_t r = run(c, n, i);
        if (!r) {
            cv_push(out, c[i++]);
            continue;
        }
        size_t r2 = i + r < n && c[i + r] == '/' ? run(c, n, i + r + 1) : 0;
        if (!r2) { /* no match can start inside this run either */
            cv_copy(out, c + i, r);
            i += r;
            continue;
        }
        size_t mark = out->n, e = i + r + 1 + r2;
        int ok = low(c + i + r + 1, r2, out);
        cv_push_u8(out, "分之");
        ok = ok && low(c + i, r, out);
        if (!ok) {
            out->n = mark;
            cv_copy(out, c + i, e - i);
        }
        i = e;
    }
}

/* -?(\d+\.)?\d+ followed by a required terminator (0: none): the end of the match before the
 * terminator, or 0 when there is none at c[i]. */
static size_t signed_number_at(const uint32_t *c, size_t n, size_t i, uint32_t term)
{
    size_t q = i + (c[i] == '-');
    size_t r = run(c, n, q);
    if (!r)
        return 0;
    size_t e = q + r;
    if (e < n && c[e] == '.') {
        size_t r2 = run(c, n, e + 1);
        if (r2 && (!term || (e + 1 + r2 < n && c[e + 1 + r2] == term)))
            return e + 1 + r2;
    }
    if (!term || (e < n && c[e] == term))
        return e;
    return 0;
}

/* percent (term '%', prefix 百分之), celsius (term ℃, suffix 摄氏度, no sign or decimals) and
 * number (no terminator) */
static void pass_number(const uint32_t *c, size_t n, uint32_t term, cpvec *out)
{
    size_t i = 0;
    while (i < n && !out->oom) {
        size_t e;
        if (term == 0x2103) {
            size_t r = run(c, n, i);
            e = r && i + r < n && c[i + r] == term ? i + r : 0;
        } else
            e = (c[i] == '-' || is_digit(c[i])) ? signed_number_at(c, n, i, term) : 0;
        if (!e) {
            size_t r = run(c, n, i);
            if (!r)
                r = 1;
            cv_copy(out, c + i, r);
            i += r;
            continue;
        }
        size_t end = term ? e + 1 : e, mark = out->n;
        if (term == '%')
            cv_push_u8(out, "百分之");
        int ok = low(c + i, e - i, out);
        if (term == 0x2103)
            cv_push_u8(out, "摄氏度");
        if (!ok) {
            out->n = mark;
            cv_copy(out, c + i, end - i);
        }
        i = end;
    }
}

void kk_zh_numbers(const char *s, size_t n, kk_sbuf *out)
{
    cpvec a = {0}, b = {0};
    for (size_t i = 0; i < n;)
        cv_push(&a, kk_u8_next(s, n, &i));
    pass_date(a.v, a.n, &b);
    a.n = 0;
    pass_fraction(b.v, b.n, &a);
    b.n = 0;
    pass_number(a.v, a.n, '%', &b);
    a.n = 0;
    pass_number(b.v, b.n, 0x2103, &a);
    b.n = 0;
    pass_number(a.v, a.n, 0, &b);
    if (a.oom || b.oom)
        out->oom = 1;
    for (size_t i = 0; i < b.n; i++)
        kk_sbuf_addcp(out, b.v[i]);
    free(a.v);
    free(b.v);
}
