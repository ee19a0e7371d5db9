/* Phone numbers "(+CC) (AAA) PPP-LLLL", read digit by digit in comma-separated groups:
 * "+1 555-123-4567" → "one, five five five, one two three, four five six seven". */
#include "text/normalize_internal.h"

static int sep_char(const char *s, size_t len, size_t i, size_t *n)
{
    if (i >= len)
        return 0;
    if (s[i] == '.' || s[i] == '-') {
        *n = 1;
        return 1;
    }
    uint32_t cp;
    *n = kk_utf8_next(s, len, i, &cp);
    return kk_is_space(cp);
}

static int digits_exactly(const char *s, size_t len, size_t i, size_t n)
{
    if (i + n > len)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (!kk_is_digit((unsigned char)s[i + k]))
            return 0;
    return 1;
}

typedef struct {
    size_t cc, ncc;     /* country code digits */
    size_t area;        /* three digits each */
    size_t prefix, line;
    size_t end;
} phone;

/* "(\(?\d{3}\)?)[\s.-](\d{3})[\s.-](\d{4})" at q, with the optional parentheses tried first. */
static int phone_rest(const char *s, size_t len, size_t q, phone *ph)
{
    for (int lp = (q < len && s[q] == '(') ? 1 : 0; lp >= 0; lp--) {
        size_t a = q + (size_t)lp;
        if (!digits_exactly(s, len, a, 3))
            continue;
        for (int rp = (a + 3 < len && s[a + 3] == ')') ? 1 : 0; rp >= 0; rp--) {
            size_t p = a + 3 + (size_t)rp, n;
            if (!sep_char(s, len, p, &n) || !digits_exactly(s, len, p + n, 3))
                continue;
            size_t p2 = p + n + 3, n2;
            if (!sep_char(s, len, p2, &n2) || !digits_exactly(s, len, p2 + n2, 4))
                continue;
            ph->area = a;
            ph->prefix = p + n;
            ph->line = p2 + n2;
            ph->end = p2 + n2 + 4;
            return 1;
        }
    }
    return 0;
}

/* The pattern at i, trying its optional parts longest first as a backtracking regex would. */
static int phone_at(const char *s, size_t len, size_t i, phone *ph)
{
    size_t cc_opts[4][2];
    int nopts = 0;
    size_t d0 = i + (i < len && s[i] == '+');
    size_t d = kk_digits_max(s, len, d0, 2);
    if (d >= 2)
        cc_opts[nopts][0] = d0, cc_opts[nopts++][1] = 2;
    if (d >= 1)
        cc_opts[nopts][0] = d0, cc_opts[nopts++][1] = 1;
    cc_opts[nopts][0] = i, cc_opts[nopts++][1] = 0;
    for (int o = 0; o < nopts; o++) {
        size_t p = cc_opts[o][1] ? cc_opts[o][0] + cc_opts[o][1] : i;
        int can_sep = p < len && (s[p] == ' ' || s[p] == '.' || s[p] == '-');
        for (int sp = can_sep; sp >= 0; sp--) {
            if (phone_rest(s, len, p + (size_t)sp, ph)) {
                ph->cc = cc_opts[o][0];
                ph->ncc = cc_opts[o][1];
                return 1;
            }
        }
    }
    return 0;
}

int kk_pass_phone_numbers(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(kk_is_digit((unsigned char)c) || c == '+' || c == '(' || c == ' ' || c == '.' ||
              c == '-'))
            continue;
        phone ph;
        if (!phone_at(s, len, i, &ph))
            continue;
        b.len = 0;
        if (ph.ncc)
            kk_words_int(&b, s + ph.cc, ph.ncc);
        kk_buf_puts(&b, ", ");
        kk_words_digits(&b, s + ph.area, 3);
        kk_buf_puts(&b, ", ");
        kk_words_digits(&b, s + ph.prefix, 3);
        kk_buf_puts(&b, ", ");
        kk_words_digits(&b, s + ph.line, 4);
        if (b.oom)
            break;
        kk_rw_replace_buf(&rw, i, ph.end, &b);
        i = ph.end - 1;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    return kk_rw_finish(&rw);
}
