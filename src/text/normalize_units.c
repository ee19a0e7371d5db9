/* Units after a number (off by default, as in the reference): "5kg" → "5 kilograms",
 * "10 GB" → "10 gigabytes", "3.5 km/h" → "3.5 kilometers per hour". The number stays digits for
 * the number pass. */
#include <string.h>

#include "text/normalize_internal.h"

typedef struct {
    const char *key;   /* lower case; matched case-insensitively */
    const char *words; /* first word is pluralised */
} unit;

/* The reference's table in its matching order (keys sorted in reverse), quirks included:
 * "mv" is "mergavolt", "ma" "megaamp", "cm/h" "centimeter per day". */
static const unit UNITS[] = {
    {"\xCE\xA9", "ohm"}, {"\xC2\xB5" "f", "microfarad"}, {"\xC2\xB0" "f", "degree fahrenheit"},
    {"\xC2\xB0" "c", "degree celsius"}, {"yd", "yard"}, {"w", "watt"}, {"v", "volt"},
    {"tbps", "terabit per second"}, {"tb", "terabit"}, {"s", "second"}, {"px", "pixel"},
    {"pf", "picofarad"}, {"pb", "petabit"}, {"pa", "pascal"}, {"nf", "nanofarad"},
    {"m\xCE\xA9", "megaohm"}, {"mw", "megawatt"}, {"mv", "mergavolt"}, {"ms", "millisecond"},
    {"mph", "mile per hour"}, {"mpa", "megapascal"}, {"mm/s", "milimeter per second"},
    {"mm", "millimeter"}, {"ml", "mililiter"}, {"mj", "megajoule"}, {"min", "minutes"},
    {"mi/h", "mile per hour"}, {"mi", "mile"}, {"mhz", "megahertz"}, {"mg", "milligram"},
    {"mbps", "megabit per second"}, {"mb", "megabit"}, {"ma", "megaamp"},
    {"m/s", "meter per second"}, {"m", "meter"}, {"l", "liter"}, {"k\xCE\xA9", "kiloohm"},
    {"kw", "kilowatt"}, {"kv", "kilovolt"}, {"kph", "kilometer per hour"},
    {"kpa", "kilopascal"}, {"km/h", "kilometer per hour"}, {"km", "kilometer"},
    {"kj", "kilojoule"}, {"khz", "kilohertz"}, {"kg", "kilogram"},
    {"kbps", "kilobit per second"}, {"kb", "kilobit"}, {"ka", "kiloamp"}, {"k", "kelvin"},
    {"j", "joule"}, {"in", "inch"}, {"hz", "hertz"}, {"h", "hour"}, {"ghz", "gigahertz"},
    {"gbps", "gigabit per second"}, {"gb", "gigabit"}, {"g", "gram"},
    {"ft/s", "feet per second"}, {"ft", "foot"}, {"f", "degree fahrenheit"},
    {"dl", "deciliter"}, {"cm/s", "centimeter per second"}, {"cm/h", "centimeter per day"},
    {"cm", "centimeter"}, {"cl", "centiliter"}, {"c", "degree celsius"}, {"b", "bit"},
    {"atm", "atmosphere"}, {"a", "amp"},
};

/* Case-insensitive match of a unit key at s[i]; Ω also matches ω and the ohm sign, µ also the
 * Greek mu (Python's IGNORECASE folds them together). Returns the matched length or 0. */
static size_t key_at(const char *s, size_t len, size_t i, const char *key)
{
    size_t j = i;
    for (size_t k = 0; key[k];) {
        if (j >= len)
            return 0;
        uint32_t kc, sc;
        size_t kn = kk_utf8_next(key, strlen(key), k, &kc);
        size_t sn = kk_utf8_next(s, len, j, &sc);
        if (sc >= 'A' && sc <= 'Z')
            sc += 32;
        if (sc == 0x3C9 || sc == 0x2126)
            sc = 0x3A9;
        if (sc == 0x3BC || sc == 0x39C)
            sc = 0xB5;
        if (sc != kc)
            return 0;
        k += kn;
        j += sn;
    }
    return j - i;
}

static void put_plural(kk_buf *b, const char *w, size_t n)
{
    static const char *const same[] = {"feet", "minutes", "hertz", "kilohertz", "megahertz",
                                       "gigahertz"};
    for (size_t k = 0; k < sizeof same / sizeof *same; k++)
        if (strlen(same[k]) == n && memcmp(w, same[k], n) == 0) {
            kk_buf_put(b, w, n);
            return;
        }
    if (n == 4 && memcmp(w, "foot", 4) == 0) {
        kk_buf_puts(b, "feet");
    } else if (n >= 2 && memcmp(w + n - 2, "ch", 2) == 0) {
        kk_buf_put(b, w, n);
        kk_buf_puts(b, "es");
    } else {
        kk_buf_put(b, w, n);
        kk_buf_putc(b, 's');
    }
}

int kk_pass_units(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(kk_is_digit((unsigned char)c) || c == '+' || c == '-'))
            continue;
        /* (?<!\w)(?<!\w[.,]) */
        uint32_t p;
        if (i > 0) {
            size_t j = kk_utf8_prev(s, i, &p);
            if (kk_is_word(p) || ((p == '.' || p == ',') && j > 0 && kk_is_word(kk_cp_before(s, j))))
                continue;
        }
        size_t n0 = i + (c == '+' || c == '-');
        size_t d = kk_digits(s, len, n0);
        if (d == 0)
            continue;
        size_t e = n0 + d;
        if (d <= 3)
            while (e + 3 < len && s[e] == ',' && kk_digits_max(s, len, e + 1, 4) == 3)
                e += 4;
        if (e + 1 < len && s[e] == '.' && kk_is_digit((unsigned char)s[e + 1]))
            e += 1 + kk_digits(s, len, e + 1);
        size_t num_end = e;
        while (e < len) {
            uint32_t cp;
            size_t m = kk_utf8_next(s, len, e, &cp);
            if (!kk_is_space(cp))
                break;
            e += m;
        }
        const unit *u = NULL;
        size_t ulen = 0;
        for (size_t k = 0; k < sizeof UNITS / sizeof *UNITS; k++) {
            ulen = key_at(s, len, e, UNITS[k].key);
            if (ulen && !kk_is_word(kk_cp_at(s, len, e + ulen))) {
                u = &UNITS[k];
                break;
            }
        }
        if (!u)
            continue;
        b.len = 0;
        kk_buf_put(&b, s + i, num_end - i);
        kk_buf_putc(&b, ' ');
        const char *w = u->words;
        size_t wl = strcspn(w, " ");
        /* The reference reads bytes for an upper-case B in second place ("GB", "B", "KBps"). */
        int bytes = wl >= 3 && memcmp(w + wl - 3, "bit", 3) == 0 && s[e + (ulen > 1 ? 1 : 0)] == 'B';
        char word[32];
        size_t n = wl < sizeof word - 2 ? wl : sizeof word - 2;
        memcpy(word, w, n);
        if (bytes)
            memcpy(word + n - 3, "byte", 4), n += 1;
        if (num_end - i == 1 && s[i] == '1')
            kk_buf_put(&b, word, n);
        else
            put_plural(&b, word, n);
        kk_buf_puts(&b, w + wl);
        if (b.oom)
            break;
        kk_rw_replace_buf(&rw, i, e + ulen, &b);
        i = e + ulen - 1;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    return kk_rw_finish(&rw);
}
