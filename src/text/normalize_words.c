/* Numbers as words, the way the reference's number library (Python inflect) writes them:
 * groups of three from the right joined by ", ", "and" after "hundred", and "and" before a last
 * group below one hundred ("two thousand and five"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/normalize_internal.h"

static const char *const UNIT[10] = {"", "one", "two", "three", "four",
                                     "five", "six", "seven", "eight", "nine"};
static const char *const TEEN[10] = {"ten", "eleven", "twelve", "thirteen", "fourteen",
                                     "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const TEN[10] = {"", "", "twenty", "thirty", "forty",
                                    "fifty", "sixty", "seventy", "eighty", "ninety"};
static const char *const MILL[12] = {"", "thousand", "million", "billion", "trillion", "quadrillion",
                                     "quintillion", "sextillion", "septillion", "octillion",
                                     "nonillion", "decillion"};
static const char *const DIGIT[10] = {"zero", "one", "two", "three", "four",
                                      "five", "six", "seven", "eight", "nine"};

static void put_tens(kk_buf *b, int t, int u)
{
    if (t == 1) {
        kk_buf_puts(b, TEEN[u]);
    } else if (t >= 2) {
        kk_buf_puts(b, TEN[t]);
        if (u) {
            kk_buf_putc(b, '-');
            kk_buf_puts(b, UNIT[u]);
        }
    } else {
        kk_buf_puts(b, UNIT[u]);
    }
}

int kk_words_int(kk_buf *b, const char *d, size_t n)
{
    while (n > 1 && d[0] == '0')
        d++, n--;
    if (n == 0 || (n == 1 && d[0] == '0')) {
        kk_buf_puts(b, "zero");
        return 0;
    }
    if (n > 36)
        return -1;
    size_t ngroups = (n + 2) / 3;
    size_t first = n - (ngroups - 1) * 3; /* digits in the most significant group */
    int pieces = 0;
    for (size_t g = 0; g < ngroups; g++) {
        size_t k = ngroups - 1 - g; /* thousands power */
        size_t off = g == 0 ? 0 : first + (g - 1) * 3;
        size_t w = g == 0 ? first : 3;
        int v[3] = {0, 0, 0};
        for (size_t i = 0; i < w; i++)
            v[3 - w + i] = d[off + i] - '0';
        int h = v[0], t = v[1], u = v[2];
        if (!h && !t && !u)
            continue;
        if (pieces)
            kk_buf_puts(b, (k == 0 && !h) ? " and " : ", ");
        if (h) {
            kk_buf_puts(b, UNIT[h]);
            kk_buf_puts(b, " hundred");
            if (t || u)
                kk_buf_puts(b, " and ");
        }
        put_tens(b, t, u);
        if (k) {
            kk_buf_putc(b, ' ');
            kk_buf_puts(b, MILL[k]);
        }
        pieces++;
    }
    return 0;
}

void kk_words_digits(kk_buf *b, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            kk_buf_putc(b, ' ');
        kk_buf_puts(b, DIGIT[(d[i] - '0') % 10]);
    }
}

int kk_words_decimal(kk_buf *b, const char *ip, size_t ni, const char *fp, size_t nf)
{
    if (kk_words_int(b, ip, ni) != 0)
        return -1;
    kk_buf_puts(b, " point");
    for (size_t i = 0; i < nf; i++) {
        kk_buf_putc(b, ' ');
        kk_buf_puts(b, DIGIT[(fp[i] - '0') % 10]);
    }
    return 0;
}

/* Adds one to a digit string held in buf (most significant first); returns the new length. */
static size_t increment(char *buf, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if (buf[i] != '9') {
            buf[i]++;
            return n;
        }
        buf[i] = '0';
    }
    memmove(buf + 1, buf, n);
    buf[0] = '1';
    return n + 1;
}

size_t kk_float_fraction(const char *ip, size_t ni, const char *fp, size_t nf, char *ibuf,
                         size_t *oni, char *fbuf, size_t cap)
{
    char lit[128], rep[40];
    if (ni + nf + 2 > sizeof lit || ni > 16)
        return (size_t)-1;
    memcpy(lit, ip, ni);
    lit[ni] = '.';
    memcpy(lit + ni + 1, fp, nf);
    lit[ni + 1 + nf] = '\0';
    double v = strtod(lit, NULL);
    if (!(v >= 1e-4 && v < 1e16))
        return (size_t)-1;
    /* Shortest round-trip digits, as Python's repr(float) writes them. */
    int p = 0;
    for (; p < 17; p++) {
        snprintf(rep, sizeof rep, "%.*e", p, v);
        if (strtod(rep, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    for (const char *c = rep; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9')
            digits[nd++] = *c;
    int exp10 = atoi(strchr(rep, 'e') + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t i_len = 0, f_len = 0;
    if (exp10 < 0) {
        ibuf[i_len++] = '0';
        for (int z = 0; z < -exp10 - 1 && f_len < cap; z++)
            fbuf[f_len++] = '0';
        for (size_t k = 0; k < nd && f_len < cap; k++)
            fbuf[f_len++] = digits[k];
    } else {
        for (int k = 0; k <= exp10; k++)
            ibuf[i_len++] = (size_t)k < nd ? digits[k] : '0';
        for (size_t k = (size_t)exp10 + 1; k < nd && f_len < cap; k++)
            fbuf[f_len++] = digits[k];
    }
    *oni = i_len;
    return f_len;
}

int kk_words_number(kk_buf *b, int negative, const char *num, size_t n, int year_pairs)
{
    /* Digits of the integer part without commas; fraction digits after the point. */
    char small[64];
    char *ip = n + 2 <= sizeof small ? small : malloc(n + 2);
    if (!ip) {
        b->oom = 1;
        return -1;
    }
    size_t ni = 0, i = 0;
    for (; i < n && num[i] != '.'; i++)
        if (num[i] >= '0' && num[i] <= '9')
            ip[ni++] = num[i];
    const char *fp = i < n ? num + i + 1 : num + n;
    size_t nf = i < n ? n - i - 1 : 0;
    while (nf && fp[nf - 1] == '0') /* a float drops trailing zeros: 2.50 reads "two point five" */
        nf--;
    if (ni == 0)
        ip[ni++] = '0';
    /* The reference parses a float and reads it as an integer when it is within 1e-5 of one. */
    if (nf) {
        double frac = 0, scale = 0.1;
        for (size_t k = 0; k < nf && k < 17; k++, scale /= 10)
            frac += (fp[k] - '0') * scale;
        if (frac < 1e-5) {
            nf = 0;
        } else if (1.0 - frac < 1e-5) {
            nf = 0;
            ni = increment(ip, ni);
        }
    }
    size_t lead = 0;
    while (lead + 1 < ni && ip[lead] == '0')
        lead++;
    int all_zero = (ni - lead == 1 && ip[lead] == '0' && nf == 0);
    int rc = 0;
    if (negative && !all_zero)
        kk_buf_puts(b, "minus ");
    if (nf) {
        /* The reference reads the float's repr: "3.14159265358979323" → 17 significant digits. */
        char ib[20], fb[40];
        size_t ri = 0, rf = kk_float_fraction(ip + lead, ni - lead, fp, nf, ib, &ri, fb, sizeof fb);
        if (rf != (size_t)-1 && rf > 0)
            rc = kk_words_decimal(b, ib, ri, fb, rf);
        else
            rc = kk_words_decimal(b, ip + lead, ni - lead, fp, nf);
    } else if (year_pairs && !negative && ni - lead == 4 && memcmp(ip + lead, "1500", 4) > 0 &&
               memcmp(ip + lead + 1, "009", 3) > 0) {
        /* "1984" → "nineteen eighty-four". The reference reads the second pair through the
         * number rule too, which gives "nineteen five" and "sixteen zero"; a listener expects
         * "nineteen oh five" and "sixteen hundred", so those two shapes are read that way. */
        const char *y = ip + lead;
        put_tens(b, y[0] - '0', y[1] - '0');
        kk_buf_putc(b, ' ');
        if (y[2] == '0' && y[3] == '0') {
            kk_buf_puts(b, "hundred");
        } else if (y[2] == '0') {
            kk_buf_puts(b, "oh ");
            kk_buf_puts(b, UNIT[y[3] - '0']);
        } else {
            put_tens(b, y[2] - '0', y[3] - '0');
        }
    } else {
        rc = kk_words_int(b, ip + lead, ni - lead);
    }
    if (ip != small)
        free(ip);
    return rc;
}
