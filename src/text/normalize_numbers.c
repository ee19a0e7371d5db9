/* Numbers, in the reference's order: "5S" spacing, comma runs, ranges, versions, money, plain
 * numbers (with k/m/b multipliers and year pairs), then decimals still glued to words. */
#include <string.h>

#include "text/normalize_internal.h"

#define FINISH(rw) return kk_rw_finish(&(rw))

/* "(?<=\d)S" → " S": a capital S right after a digit is its own letter ("90S" → "90 S"). */
static int digit_s(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 1; i < t->len; i++)
        if (t->s[i] == 'S' && kk_is_digit((unsigned char)t->s[i - 1]))
            kk_rw_replace(&rw, i, i + 1, " S", 2);
    FINISH(rw);
}

/* A digit run with commas that is not a well-formed thousands number loses its commas
 * ("1,2,3" → "123"); "10,000" is kept for the number rule. */
static int comma_runs(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        size_t d = kk_digits(s, len, i);
        if (d == 0) {
            i++;
            continue;
        }
        if (i > 0 && kk_is_digit((unsigned char)s[i - 1])) {
            i += d;
            continue;
        }
        size_t j = i + d;
        int groups = 0, thousands = d <= 3;
        while (j + 1 < len && s[j] == ',' && kk_is_digit((unsigned char)s[j + 1])) {
            size_t g = kk_digits(s, len, j + 1);
            if (g != 3)
                thousands = 0;
            j += 1 + g;
            groups++;
        }
        if (groups && !thousands) {
            b.len = 0;
            for (size_t k = i; k < j; k++)
                if (s[k] != ',')
                    kk_buf_putc(&b, s[k]);
            kk_rw_replace_buf(&rw, i, j, &b);
        }
        i = j;
    }
    kk_buf_free(&b);
    FINISH(rw);
}

/* "(?<=\d)-(?=\d)" → " to ": "5-10" reads "5 to 10". */
static int ranges(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 1; i + 1 < t->len; i++)
        if (t->s[i] == '-' && kk_is_digit((unsigned char)t->s[i - 1]) &&
            kk_is_digit((unsigned char)t->s[i + 1]))
            kk_rw_replace(&rw, i, i + 1, " to ", 4);
    FINISH(rw);
}

/* "(?<!\d)\d+(?:\.\d+){2,}": "1.2.3" → "one point two point three". */
static int versions(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        size_t d = kk_digits(s, len, i);
        if (d == 0) {
            i++;
            continue;
        }
        if (i > 0 && kk_is_digit((unsigned char)s[i - 1])) {
            i += d;
            continue;
        }
        size_t j = i + d;
        int parts = 1;
        while (j + 1 < len && s[j] == '.' && kk_is_digit((unsigned char)s[j + 1])) {
            j += 1 + kk_digits(s, len, j + 1);
            parts++;
        }
        if (parts >= 3) {
            b.len = 0;
            int ok = 1;
            for (size_t k = i; k < j && ok;) {
                size_t n = kk_digits(s, len, k);
                if (k > i)
                    kk_buf_puts(&b, " point ");
                ok = kk_words_int(&b, s + k, n) == 0;
                k += n + 1;
            }
            if (ok)
                kk_rw_replace_buf(&rw, i, j, &b);
        }
        i = j;
    }
    kk_buf_free(&b);
    FINISH(rw);
}

/* ---------------------------------------------------------------- amounts: body + multiplier */

typedef struct {
    size_t body_start, body_end; /* the digits, commas and point */
    size_t mult_start, mult_end; /* " million", "k", " hundred thousand", ... */
    size_t end;
} amount;

/* One multiplier at s[i]: " hundred", " thousand", " million", " billion", " trillion",
 * " quadrillion" (any case) or one of the letters k m b (and t for money). Returns its length. */
static size_t multiplier_at(const char *s, size_t len, size_t i, int allow_t)
{
    static const char *const words[] = {" hundred", " thousand", " million", " billion",
                                        " trillion", " quadrillion"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (kk_starts_ci(s, len, i, words[w]))
            return strlen(words[w]);
    if (i < len) {
        char c = kk_lower(s[i]);
        if (c == 'k' || c == 'm' || c == 'b' || (allow_t && c == 't'))
            return 1;
    }
    return 0;
}

/* The reference's NOT_GLUED_AFTER: no letter or digit next, and no ".5" or ",5". */
static int not_glued_after(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return 1;
    if (kk_is_alnum(kk_cp_at(s, len, i)))
        return 0;
    if ((s[i] == '.' || s[i] == ',') && i + 1 < len && kk_is_digit((unsigned char)s[i + 1]))
        return 0;
    return 1;
}

/* Tries multiplier repetitions from the longest down (Python's backtracking) after a body. */
static int finish_amount(const char *s, size_t len, amount *a, int allow_t)
{
    size_t stops[64];
    size_t n = 0, p = a->body_end;
    stops[n++] = p;
    for (;;) {
        size_t m = multiplier_at(s, len, p, allow_t);
        if (!m || n == sizeof stops / sizeof *stops)
            break;
        p += m;
        stops[n++] = p;
    }
    while (n-- > 0) {
        if (not_glued_after(s, len, stops[n])) {
            a->mult_start = a->body_end;
            a->mult_end = a->end = stops[n];
            return 1;
        }
    }
    return 0;
}

/* NUMBER_BODY: "1,234.5" | "1234.5" | ".5", tried in that order, then multipliers. */
static int match_amount(const char *s, size_t len, size_t i, int allow_t, amount *a)
{
    a->body_start = i;
    size_t d = kk_digits(s, len, i);
    if (d >= 1 && d <= 3) {
        size_t j = i + d;
        int groups = 0;
        while (j + 3 < len && s[j] == ',' && kk_digits_max(s, len, j + 1, 3) == 3) {
            j += 4;
            groups++;
        }
        if (groups) {
            if (j + 1 < len && s[j] == '.' && kk_is_digit((unsigned char)s[j + 1]))
                j += 1 + kk_digits(s, len, j + 1);
            a->body_end = j;
            if (finish_amount(s, len, a, allow_t))
                return 1;
        }
    }
    if (d >= 1) {
        size_t j = i + d;
        if (j + 1 < len && s[j] == '.' && kk_is_digit((unsigned char)s[j + 1]))
            j += 1 + kk_digits(s, len, j + 1);
        a->body_end = j;
        if (finish_amount(s, len, a, allow_t))
            return 1;
    }
    if (i + 1 < len && s[i] == '.' && kk_is_digit((unsigned char)s[i + 1])) {
        a->body_end = i + 1 + kk_digits(s, len, i + 1);
        if (finish_amount(s, len, a, allow_t))
            return 1;
    }
    return 0;
}

/* The reference's translate_multiplier: one letter becomes its word, anything else is kept
 * as written (trimmed). */
static void put_multiplier(kk_buf *b, const char *m, size_t n)
{
    while (n && m[0] == ' ')
        m++, n--;
    if (n == 0)
        return;
    kk_buf_putc(b, ' ');
    if (n == 1) {
        switch (kk_lower(m[0])) {
        case 'k': kk_buf_puts(b, "thousand"); return;
        case 'm': kk_buf_puts(b, "million"); return;
        case 'b': kk_buf_puts(b, "billion"); return;
        case 't': kk_buf_puts(b, "trillion"); return;
        default: break;
        }
    }
    kk_buf_put(b, m, n);
}

/* ---------------------------------------------------------------- money */

typedef struct {
    const char *sym;
    const char *bill, *bills, *coin, *coins;
} currency;

static const currency CURRENCIES[] = {
    {"$", "dollar", "dollars", "cent", "cents"},
    {"\xC2\xA3", "pound", "pounds", "penny", "pence"},
    {"\xE2\x82\xAC", "euro", "euros", "cent", "cents"},
};

static const currency *currency_at(const char *s, size_t len, size_t i, size_t *n)
{
    for (size_t c = 0; c < sizeof CURRENCIES / sizeof *CURRENCIES; c++) {
        size_t k = strlen(CURRENCIES[c].sym);
        if (i + k <= len && memcmp(s + i, CURRENCIES[c].sym, k) == 0) {
            *n = k;
            return &CURRENCIES[c];
        }
    }
    return NULL;
}

/* Whether a money body is exactly 1 ("1", "01", "1.00"). */
static int is_one(const char *body, size_t n)
{
    size_t i = 0;
    while (i < n && (body[i] == '0' || body[i] == ','))
        i++;
    if (i >= n || body[i] != '1')
        return 0;
    i++;
    if (i == n)
        return 1;
    if (body[i] != '.')
        return 0;
    for (i++; i < n; i++)
        if (body[i] != '0')
            return 0;
    return 1;
}

/* "$1,234.56" → "one thousand, two hundred and thirty-four dollars and fifty-six cents". */
static int money_words(kk_buf *b, int negative, const currency *c, const char *s, const amount *a)
{
    const char *body = s + a->body_start;
    size_t n = a->body_end - a->body_start;
    size_t dot = 0;
    while (dot < n && body[dot] != '.')
        dot++;
    const char *fp = body + dot + (dot < n);
    size_t nf = dot < n ? n - dot - 1 : 0;
    while (nf && fp[nf - 1] == '0')
        nf--;
    /* The reference reads the float's repr: a fraction too small for a double is no fraction. */
    char frac[40], ib[20];
    size_t ri = 0, nfr = (size_t)-1;
    if (nf) {
        char whole[20];
        size_t nw = 0;
        for (size_t k = 0; k < dot && nw < sizeof whole; k++)
            if (body[k] >= '0' && body[k] <= '9')
                whole[nw++] = body[k];
        nfr = nw < sizeof whole ? kk_float_fraction(whole, nw, fp, nf, ib, &ri, frac, sizeof frac - 2)
                                : (size_t)-1;
        if (nfr == 0)
            nf = 0;
    }
    int has_mult = a->mult_end > a->mult_start;
    if (nf == 0 || has_mult) {
        if (kk_words_number(b, negative, body, n, 0) != 0)
            return -1;
        put_multiplier(b, s + a->mult_start, a->mult_end - a->mult_start);
        /* Exactly one unit reads singular ("one dollar"); the reference's float count made it
         * "one dollars". */
        kk_buf_putc(b, ' ');
        kk_buf_puts(b, (!has_mult && is_one(body, n)) ? c->bill : c->bills);
        return 0;
    }
    /* Whole units, then the fraction digits as written (padded to two: ".5" is fifty cents). */
    char ip[64];
    size_t ni = 0;
    for (size_t k = 0; k < dot; k++) {
        if (body[k] >= '0' && body[k] <= '9') {
            if (ni == sizeof ip)
                return -1;
            ip[ni++] = body[k];
        }
    }
    if (ni == 0)
        ip[ni++] = '0';
    if (negative)
        kk_buf_puts(b, "minus ");
    size_t mark = b->len;
    if (kk_words_int(b, ip, ni) != 0)
        return -1;
    int one_bill = b->len - mark == 3 && memcmp(b->s + mark, "one", 3) == 0;
    kk_buf_putc(b, ' ');
    kk_buf_puts(b, one_bill ? c->bill : c->bills);
    kk_buf_puts(b, " and ");
    if (nfr == (size_t)-1) {
        if (nf > 36)
            return -1;
        memcpy(frac, fp, nf);
        nfr = nf;
    }
    if (nfr < 2)
        frac[nfr++] = '0';
    mark = b->len;
    if (kk_words_int(b, frac, nfr) != 0)
        return -1;
    int one_coin = b->len - mark == 3 && memcmp(b->s + mark, "one", 3) == 0;
    kk_buf_putc(b, ' ');
    kk_buf_puts(b, one_coin ? c->coin : c->coins);
    return 0;
}

static int money(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        size_t start = i, k = 0;
        int negative = 0;
        const currency *c = NULL;
        if (s[i] == '-' && (c = currency_at(s, len, i + 1, &k)) != NULL) {
            negative = 1;
            k += 1;
        } else {
            c = currency_at(s, len, i, &k);
        }
        amount a;
        if (!c || !match_amount(s, len, i + k, 1, &a)) {
            i++;
            continue;
        }
        b.len = 0;
        if (money_words(&b, negative, c, s, &a) == 0 && !b.oom)
            kk_rw_replace_buf(&rw, start, a.end, &b);
        i = a.end;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    FINISH(rw);
}

/* ---------------------------------------------------------------- plain numbers */

/* NOT_GLUED_BEFORE: no letter or digit right before, and not "x." or "x," before either. */
static int not_glued_before(const char *s, size_t i)
{
    if (i == 0)
        return 1;
    uint32_t p;
    size_t j = kk_utf8_prev(s, i, &p);
    if (kk_is_alnum(p))
        return 0;
    if ((p == '.' || p == ',') && j > 0 && kk_is_alnum(kk_cp_before(s, j)))
        return 0;
    return 1;
}

static int plain_numbers(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (!(kk_is_digit((unsigned char)c) || c == '-' || c == '.') || !not_glued_before(s, i)) {
            i++;
            continue;
        }
        amount a;
        int negative = 0;
        size_t at = i;
        if (c == '-') {
            negative = 1;
            at = i + 1;
        }
        if (!match_amount(s, len, at, 0, &a)) {
            i++;
            continue;
        }
        b.len = 0;
        const char *body = s + a.body_start;
        size_t n = a.body_end - a.body_start;
        int has_mult = a.mult_end > a.mult_start;
        int comma = memchr(body, ',', n) != NULL;
        if (kk_words_number(&b, negative, body, n, !has_mult && !comma) == 0) {
            put_multiplier(&b, s + a.mult_start, a.mult_end - a.mult_start);
            if (!b.oom)
                kk_rw_replace_buf(&rw, i, a.end, &b);
        }
        i = a.end;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    FINISH(rw);
}

/* "\d*\.\d+" left glued to a word: "v1.2" → "v1 point 2" (digits stay for the G2P). */
static int decimals(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        size_t d = kk_digits(s, len, i);
        size_t j = i + d;
        if (j + 1 < len && s[j] == '.' && kk_is_digit((unsigned char)s[j + 1])) {
            size_t f = kk_digits(s, len, j + 1);
            b.len = 0;
            kk_buf_put(&b, s + i, d);
            kk_buf_puts(&b, " point ");
            for (size_t k = 0; k < f; k++) {
                if (k)
                    kk_buf_putc(&b, ' ');
                kk_buf_putc(&b, s[j + 1 + k]);
            }
            if (!b.oom)
                kk_rw_replace_buf(&rw, i, j + 1 + f, &b);
            i = j + 1 + f;
        } else {
            i = d ? j : i + 1;
        }
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    FINISH(rw);
}

int kk_pass_numbers(kk_ntext *t)
{
    kk_pass_fn steps[] = {digit_s, comma_runs, ranges, versions, money, plain_numbers, decimals};
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
        if (steps[k](t) != 0)
            return -1;
    return 0;
}
