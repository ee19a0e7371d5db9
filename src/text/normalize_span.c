/* The normaliser's plumbing: byte buffers, UTF-8 classes, and the text-with-source-map that
 * every pass rewrites. */
#include <stdlib.h>
#include <string.h>

#include "text/normalize_internal.h"

/* ---------------------------------------------------------------- kk_buf */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

void kk_buf_put(kk_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (grow((void **)&b->s, &b->cap, b->len + n + 1, 1) != 0) {
        b->oom = 1;
        return;
    }
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void kk_buf_puts(kk_buf *b, const char *s) { kk_buf_put(b, s, strlen(s)); }
void kk_buf_putc(kk_buf *b, char c) { kk_buf_put(b, &c, 1); }

void kk_buf_free(kk_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- UTF-8 */

size_t kk_utf8_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[i];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = KK_CP_INVALID;
        return 1;
    }
    if (i + n > len) {
        *cp = KK_CP_INVALID;
        return 1;
    }
    for (size_t k = 1; k < n; k++) {
        unsigned d = u[i + k];
        if ((d & 0xC0) != 0x80) {
            *cp = KK_CP_INVALID;
            return 1;
        }
        v = (v << 6) | (d & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = KK_CP_INVALID;
        return 1;
    }
    *cp = v;
    return n;
}

size_t kk_utf8_prev(const char *s, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 1; k <= 4 && k <= i; k++) {
        size_t j = i - k;
        if ((u[j] & 0xC0) != 0x80) {
            uint32_t c;
            if (kk_utf8_next(s, i, j, &c) == k) {
                *cp = c;
                return j;
            }
            break;
        }
    }
    *cp = u[i - 1] < 0x80 ? u[i - 1] : KK_CP_INVALID;
    return i - 1;
}

uint32_t kk_cp_before(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    uint32_t cp;
    kk_utf8_prev(s, i, &cp);
    return cp;
}

uint32_t kk_cp_at(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    uint32_t cp;
    kk_utf8_next(s, len, i, &cp);
    return cp;
}

int kk_is_space(uint32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

int kk_is_word(uint32_t cp)
{
    if (cp == 0 || cp == KK_CP_INVALID)
        return 0;
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
               cp == '_';
    return kk_is_word_nonascii(cp);
}

int kk_is_alnum(uint32_t cp) { return cp != '_' && kk_is_word(cp); }

int kk_starts_ci(const char *s, size_t len, size_t i, const char *word)
{
    for (size_t k = 0; word[k]; k++) {
        if (i + k >= len || kk_lower(s[i + k]) != word[k])
            return 0;
    }
    return 1;
}

size_t kk_digits(const char *s, size_t len, size_t i)
{
    size_t n = 0;
    while (i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
        n++;
    return n;
}

size_t kk_digits_max(const char *s, size_t len, size_t i, size_t max)
{
    size_t n = 0;
    while (n < max && i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
        n++;
    return n;
}

int kk_word_boundary(const char *s, size_t len, size_t i)
{
    return kk_is_word(kk_cp_before(s, i)) != kk_is_word(kk_cp_at(s, len, i));
}

/* ---------------------------------------------------------------- kk_ntext */

static void nt_bytes(kk_ntext *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (grow((void **)&t->s, &t->cap, t->len + n + 1, 1) != 0) {
        t->oom = 1;
        return;
    }
    if (n)
        memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* Appends n bytes mapped to src[ss, se); merges with the previous segment when the result is
 * still one 1:1 run, or one replacement of the same source token. */
static void nt_append(kk_ntext *t, const char *s, size_t n, size_t ss, size_t se, int verbatim)
{
    if (n == 0 || t->oom)
        return;
    size_t o = t->len;
    nt_bytes(t, s, n);
    if (t->oom)
        return;
    if (t->nseg) {
        kk_nseg *p = &t->seg[t->nseg - 1];
        if ((p->verbatim && verbatim && p->src_end == ss) ||
            (!p->verbatim && !verbatim && p->src_start == ss && p->src_end == se)) {
            p->out_end = o + n;
            p->src_end = se;
            return;
        }
    }
    if (grow((void **)&t->seg, &t->segcap, t->nseg + 1, sizeof *t->seg) != 0) {
        t->oom = 1;
        return;
    }
    t->seg[t->nseg++] = (kk_nseg){o, o + n, ss, se, verbatim};
}

int kk_ntext_init(kk_ntext *t, const char *src, size_t len)
{
    memset(t, 0, sizeof *t);
    nt_bytes(t, "", 0);
    nt_append(t, src, len, 0, len, 1);
    return t->oom ? -1 : 0;
}

void kk_ntext_free(kk_ntext *t)
{
    free(t->s);
    free(t->seg);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- kk_rw */

void kk_rw_init(kk_rw *rw, kk_ntext *in)
{
    memset(rw, 0, sizeof *rw);
    rw->in = in;
}

/* Copies in[pos, upto) to the output, slicing segments. */
static void rw_copy(kk_rw *rw, size_t upto)
{
    kk_ntext *in = rw->in;
    while (rw->pos < upto && rw->si < in->nseg) {
        const kk_nseg *g = &in->seg[rw->si];
        size_t a = rw->pos, b = upto < g->out_end ? upto : g->out_end;
        if (g->verbatim) {
            size_t ss = g->src_start + (a - g->out_start);
            nt_append(&rw->out, in->s + a, b - a, ss, ss + (b - a), 1);
        } else {
            nt_append(&rw->out, in->s + a, b - a, g->src_start, g->src_end, 0);
        }
        rw->pos = b;
        if (b == g->out_end)
            rw->si++;
    }
}

void kk_rw_replace(kk_rw *rw, size_t start, size_t end, const char *rep, size_t n)
{
    kk_ntext *in = rw->in;
    if (start < rw->pos || end < start || end > in->len)
        return; /* passes only replace forward; anything else is a no-op by construction */
    if (!rw->changed) {
        rw->changed = 1;
        nt_bytes(&rw->out, "", 0);
    }
    rw_copy(rw, start);
    size_t ss = (size_t)-1, se = 0;
    if (start == end) {
        /* An insertion maps to the empty source point where it happens. */
        size_t p = in->nseg ? in->seg[in->nseg - 1].src_end : 0;
        if (rw->si < in->nseg) {
            const kk_nseg *g = &in->seg[rw->si];
            p = g->verbatim ? g->src_start + (start - g->out_start) : g->src_start;
        }
        ss = se = p;
    }
    while (rw->pos < end && rw->si < in->nseg) {
        const kk_nseg *g = &in->seg[rw->si];
        size_t b = end < g->out_end ? end : g->out_end;
        size_t a0 = g->src_start, a1 = g->src_end;
        if (g->verbatim) {
            a0 = g->src_start + (rw->pos - g->out_start);
            a1 = g->src_start + (b - g->out_start);
        }
        if (a0 < ss)
            ss = a0;
        if (a1 > se)
            se = a1;
        rw->pos = b;
        if (b == g->out_end)
            rw->si++;
    }
    if (ss > se)
        ss = se;
    nt_append(&rw->out, rep, n, ss, se, 0);
}

int kk_rw_finish(kk_rw *rw)
{
    if (!rw->changed)
        return rw->in->oom ? -1 : 0;
    rw_copy(rw, rw->in->len);
    if (rw->out.oom) {
        kk_ntext_free(&rw->out);
        return -1;
    }
    kk_ntext_free(rw->in);
    *rw->in = rw->out;
    memset(&rw->out, 0, sizeof rw->out);
    return 0;
}
