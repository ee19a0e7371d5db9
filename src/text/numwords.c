#include "text/numwords.h"

#include <string.h>

static const char *ones[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                             "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                             "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *tens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
static const char *scales[] = {"", "thousand", "million", "billion", "trillion", "quadrillion",
                               "quintillion", "sextillion", "septillion", "octillion", "nonillion",
                               "decillion"};

static void word(kk_sbuf *o, const char *w)
{
    if (o->len)
        kk_sbuf_addc(o, ' ');
    kk_sbuf_adds(o, w);
}

static void below100(kk_sbuf *o, int v)
{
    if (v < 20) {
        word(o, ones[v]);
        return;
    }
    word(o, tens[v / 10]);
    if (v % 10)
        word(o, ones[v % 10]);
}

static void below1000(kk_sbuf *o, int v)
{
    if (v >= 100) {
        word(o, ones[v / 100]);
        word(o, "hundred");
        if (v % 100) {
            word(o, "and");
            below100(o, v % 100);
        }
        return;
    }
    below100(o, v);
}

int kk_num_cardinal(const char *digits, size_t n, kk_sbuf *out)
{
    while (n > 1 && digits[0] == '0') {
        digits++;
        n--;
    }
    if (n == 0 || n > 36)
        return 0;
    int groups[12] = {0};
    size_t ng = (n + 2) / 3;
    for (size_t g = 0; g < ng; g++) {
        /* group g counts from the least significant */
        size_t end = n - 3 * g, start = end >= 3 ? end - 3 : 0;
        int v = 0;
        for (size_t i = start; i < end; i++)
            v = v * 10 + (digits[i] - '0');
        groups[g] = v;
    }
    int any_high = 0;
    for (size_t g = ng; g-- > 0;) {
        int v = groups[g];
        if (v == 0 && !(ng == 1))
            continue;
        if (g == 0 && any_high && v < 100)
            word(out, "and");
        below1000(out, v);
        if (g > 0)
            word(out, scales[g]);
        any_high = 1;
    }
    return 1;
}

static const struct { const char *card, *ord; } ordinal_irregular[] = {
    {"one", "first"}, {"two", "second"}, {"three", "third"}, {"five", "fifth"},
    {"eight", "eighth"}, {"nine", "ninth"}, {"twelve", "twelfth"},
};

int kk_num_ordinal(const char *digits, size_t n, kk_sbuf *out)
{
    kk_sbuf tmp;
    kk_sbuf_init(&tmp);
    if (!kk_num_cardinal(digits, n, &tmp)) {
        kk_sbuf_free(&tmp);
        return 0;
    }
    char *s = tmp.s;
    char *last = strrchr(s, ' ');
    last = last ? last + 1 : s;
    kk_sbuf_add(out, s, (size_t)(last - s));
    const char *ord = NULL;
    for (size_t i = 0; i < sizeof ordinal_irregular / sizeof ordinal_irregular[0]; i++)
        if (strcmp(last, ordinal_irregular[i].card) == 0)
            ord = ordinal_irregular[i].ord;
    if (ord)
        kk_sbuf_adds(out, ord);
    else {
        size_t l = strlen(last);
        if (l && last[l - 1] == 'y') {
            kk_sbuf_add(out, last, l - 1);
            kk_sbuf_adds(out, "ieth");
        } else {
            kk_sbuf_adds(out, last);
            kk_sbuf_adds(out, "th");
        }
    }
    kk_sbuf_free(&tmp);
    return 1;
}

int kk_num_year(const char *digits, size_t n, kk_sbuf *out)
{
    while (n > 1 && digits[0] == '0') {
        digits++;
        n--;
    }
    if (n > 4)
        return kk_num_cardinal(digits, n, out);
    int val = 0;
    for (size_t i = 0; i < n; i++)
        val = val * 10 + (digits[i] - '0');
    int high = val / 100, low = val % 100;
    if (high == 0 || (high % 10 == 0 && low < 10) || high >= 100)
        return kk_num_cardinal(digits, n, out);
    below100(out, high);
    if (low == 0)
        word(out, "hundred");
    else {
        if (low < 10)
            word(out, "oh");
        below100(out, low);
    }
    return 1;
}
