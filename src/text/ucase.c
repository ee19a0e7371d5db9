#include "text/ucase.h"

#include <locale.h>
#include <pthread.h>
#include <wctype.h>

#include "text/sbuf.h"

/* glibc's C.UTF-8 locale gives full Unicode classes; a private locale object keeps the
 * process-wide locale (which the host program owns) untouched. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void init_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t loc(void)
{
    pthread_once(&utf8_once, init_locale);
    return utf8_locale;
}

int kk_uc_alpha(uint32_t c)
{
    if (c < 0x80)
        return (c | 32) >= 'a' && (c | 32) <= 'z';
    locale_t l = loc();
    return l ? iswalpha_l((wint_t)c, l) != 0 : 0;
}

int kk_uc_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    locale_t l = loc();
    return l ? iswupper_l((wint_t)c, l) != 0 : 0;
}

int kk_uc_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z';
    locale_t l = loc();
    return l ? iswlower_l((wint_t)c, l) != 0 : 0;
}

int kk_uc_digit(uint32_t c) { return c >= '0' && c <= '9'; }

uint32_t kk_uc_tolower(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    locale_t l = loc();
    return l ? (uint32_t)towlower_l((wint_t)c, l) : c;
}

uint32_t kk_uc_toupper(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? c - 32 : c;
    locale_t l = loc();
    return l ? (uint32_t)towupper_l((wint_t)c, l) : c;
}

int kk_ustr_is_lower(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = kk_u8_next(s, n, &i);
        if (kk_uc_tolower(c) != c)
            return 0;
    }
    return 1;
}

int kk_ustr_is_upper(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = kk_u8_next(s, n, &i);
        if (kk_uc_toupper(c) != c)
            return 0;
    }
    return 1;
}

int kk_ustr_is_alpha(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    size_t i = 0;
    while (i < n)
        if (!kk_uc_alpha(kk_u8_next(s, n, &i)))
            return 0;
    return 1;
}

static size_t map(const char *s, size_t n, char *out, size_t cap, uint32_t (*f)(uint32_t))
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t c = f(kk_u8_next(s, n, &i));
        char tmp[4];
        int l = kk_u8_put(c, tmp);
        if (o + (size_t)l + 1 > cap)
            break;
        for (int k = 0; k < l; k++)
            out[o++] = tmp[k];
    }
    if (cap)
        out[o] = '\0';
    return o;
}

size_t kk_ustr_lower(const char *s, size_t n, char *out, size_t cap) { return map(s, n, out, cap, kk_uc_tolower); }
size_t kk_ustr_upper(const char *s, size_t n, char *out, size_t cap) { return map(s, n, out, cap, kk_uc_toupper); }

int kk_uc_digit_value(uint32_t c)
{
    /* code points of the digit zero of every script whose ten digits are contiguous */
    static const uint32_t zeros[] = {
        0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
        0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
        0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
        0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
        0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
        0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++)
        if (c >= zeros[i] && c < zeros[i] + 10)
            return (int)(c - zeros[i]);
    return -1;
}

int kk_py_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

void kk_py_strip(const char *s, size_t *a, size_t *b)
{
    while (*a < *b) {
        size_t j = *a;
        if (!kk_py_space(kk_u8_next(s, *b, &j)))
            break;
        *a = j;
    }
    while (*b > *a) {
        size_t p = *b - 1;
        while (p > *a && ((unsigned char)s[p] & 0xC0) == 0x80)
            p--;
        size_t j = p;
        if (!kk_py_space(kk_u8_next(s, *b, &j)) || j != *b)
            break;
        *b = p;
    }
}
