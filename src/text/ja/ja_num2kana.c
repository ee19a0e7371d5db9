/* misaki's num2kana.Convert(run, 'hiragana') (from Greatdane/Convert-Numbers-to-Japanese):
 * Japanese readings of 1-9 digit numbers, with its exceptions (さんびゃく, いっせん inside larger
 * numbers, the まん skipped after 0000 in nine-digit numbers). The readings come from
 * data/ja/num2kana-hiragana.tsv. */
#include <stdlib.h>
#include <string.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

/* Appends hiragana_dict[key] (a line "key<TAB>value" of the embedded table). */
static void add(kk_sbuf *o, const char *key, size_t kl)
{
    size_t len;
    const char *t = kk_ja_blob("num2kana-hiragana.tsv", &len), *end = t + len;
    while (t < end) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        const char *le = nl ? nl : end;
        const char *tab = memchr(t, '\t', (size_t)(le - t));
        if (*t != '#' && tab && (size_t)(tab - t) == kl && memcmp(t, key, kl) == 0) {
            kk_sbuf_add(o, tab + 1, (size_t)(le - tab - 1));
            return;
        }
        t = le + 1;
    }
}

static void one(kk_sbuf *o, char d) { add(o, &d, 1); }
static void key(kk_sbuf *o, const char *k) { add(o, k, strlen(k)); }

static void len_two(kk_sbuf *o, const char *s)
{
    if (s[0] == '0')
        one(o, s[1]);
    else if (s[0] == '1' && s[1] == '0')
        key(o, "10");
    else if (s[0] == '1') {
        key(o, "10");
        one(o, s[1]);
    } else if (s[1] == '0') {
        one(o, s[0]);
        key(o, "10");
    } else {
        one(o, s[0]);
        key(o, "10");
        one(o, s[1]);
    }
}

static void len_three(kk_sbuf *o, const char *s)
{
    switch (s[0]) {
    case '1': key(o, "100"); break;
    case '3': key(o, "300"); break;
    case '6': key(o, "600"); break;
    case '8': key(o, "800"); break;
    default:
        one(o, s[0]);
        key(o, "100");
    }
    if (s[1] == '0' && s[2] == '0')
        return;
    if (s[1] == '0')
        one(o, s[2]);
    else
        len_two(o, s + 1);
}

/* s has exactly four digits. */
static void len_four(kk_sbuf *o, const char *s, int stand_alone)
{
    if (memcmp(s, "0000", 4) == 0)
        return;
    size_t n = 4;
    while (s[0] == '0') {
        s++;
        n--;
    }
    if (n == 1) {
        one(o, s[0]);
        return;
    }
    if (n == 2) {
        len_two(o, s);
        return;
    }
    if (n == 3) {
        len_three(o, s);
        return;
    }
    if (s[0] == '1')
        key(o, stand_alone ? "1000" : "01000");
    else if (s[0] == '3')
        key(o, "3000");
    else if (s[0] == '8')
        key(o, "8000");
    else {
        one(o, s[0]);
        key(o, "1000");
    }
    if (memcmp(s + 1, "000", 3) == 0)
        return;
    if (s[1] == '0')
        len_two(o, s + 2);
    else
        len_three(o, s + 1);
}

/* 5 to 9 digits. */
static void len_x(kk_sbuf *o, const char *s, size_t n)
{
    size_t p = n - 4;
    if (p == 1)
        one(o, s[0]);
    else if (p == 2)
        len_two(o, s);
    else if (p == 3)
        len_three(o, s);
    else if (p == 4)
        len_four(o, s, 0);
    if (p <= 4)
        key(o, "10000");
    else {
        one(o, s[0]);
        key(o, "100000000");
        len_four(o, s + 1, 0);
        if (memcmp(s + 1, "0000", 4) != 0)
            key(o, "10000");
    }
    len_four(o, s + n - 4, 0);
}

int kk_ja_num2kana(const char *digits, size_t n, char **out)
{
    kk_sbuf o;
    kk_sbuf_init(&o);
    if (n > 9) {
        /* misaki gives up above nine digits (and then fails an assertion); reading such numbers
         * digit by digit, as one reads codes and phone numbers, is our documented choice. The
         * spaces keep MeCab from re-segmenting the joined readings (なな|は|ち). */
        for (size_t i = 0; i < n; i++) {
            if (i)
                kk_sbuf_addc(&o, ' ');
            one(&o, digits[i]);
        }
    } else if (n > 0) {
        while (n > 1 && digits[0] == '0') {
            digits++;
            n--;
        }
        if (n == 1)
            one(&o, digits[0]);
        else if (n == 2)
            len_two(&o, digits);
        else if (n == 3)
            len_three(&o, digits);
        else if (n == 4)
            len_four(&o, digits, 1);
        else
            len_x(&o, digits, n);
    }
    if (!o.s && !o.oom)
        kk_sbuf_add(&o, "", 0);
    *out = kk_sbuf_take(&o);
    return *out != NULL;
}
