#include "text/espeak/guard.h"

#include <stdlib.h>
#include <string.h>

#include "text/sbuf.h"
#include "text/ucase.h"

/* The KK_CTX_* in which cp faults for voice v (0: never measured to fault). */
static uint8_t fault_ctx(uint32_t cp, int v)
{
    const kk_fault_range *r = kk_espeak_fault_ranges;
    size_t lo = 0, hi = kk_espeak_n_fault_ranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r[mid].hi < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < kk_espeak_n_fault_ranges && r[lo].lo <= cp ? r[lo].ctx[v] : 0;
}

static int ascii_letter(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Whether an occurrence of a code point with fault contexts ctx, between prev and next, is one
 * that faults. Contexts stand for their kind of neighbour on either side, so the match errs on
 * the side of blanking. */
static int faults_here(uint8_t ctx, uint32_t prev, uint32_t next)
{
    if (ctx & KK_CTX_ALONE)
        return 1;
    if ((ctx & KK_CTX_LETTERS) && (ascii_letter(prev) || ascii_letter(next)))
        return 1;
    if ((ctx & KK_CTX_DIGITS) && (kk_uc_digit_value(prev) >= 0 || kk_uc_digit_value(next) >= 0))
        return 1;
    if ((ctx & KK_CTX_DECIMAL) && prev == '.')
        return 1;
    if ((ctx & KK_CTX_DEVANAGARI) && ((prev >= 0x900 && prev <= 0x97F) || (next >= 0x900 && next <= 0x97F)))
        return 1;
    return 0;
}

/* The code point before byte i and the one from byte j on (0 at the ends). */
static uint32_t cp_before(const char *s, size_t i)
{
    if (!i)
        return 0;
    size_t p = i - 1;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80 && i - p < 4)
        p--;
    return kk_u8_next(s, i, &p);
}

static uint32_t cp_at(const char *s, size_t n, size_t j) { return j < n ? kk_u8_next(s, n, &j) : 0; }

static uint8_t measured(uint32_t cp)
{
    uint8_t m = 0;
    for (size_t i = 0; i < kk_espeak_n_measured; i++)
        if (cp >= kk_espeak_measured[i].lo && cp <= kk_espeak_measured[i].hi)
            m |= kk_espeak_measured[i].voices;
    return m;
}

static int ascii_symbol(char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static int run_faults(const char *s, size_t n, uint8_t bit)
{
    for (size_t i = 0; i < kk_espeak_n_fault_runs; i++)
        if ((kk_espeak_fault_runs[i].voices & bit) && strlen(kk_espeak_fault_runs[i].run) == n &&
            memcmp(kk_espeak_fault_runs[i].run, s, n) == 0)
            return 1;
    return 0;
}

/* Whether the code point at text[i, j) faults there for voice v (-1: any voice). */
static int blank(const char *text, size_t n, size_t i, size_t j, int v)
{
    size_t k = i;
    uint32_t cp = kk_u8_next(text, n, &k);
    for (int w = v < 0 ? 0 : v; w < (v < 0 ? KK_ESPEAK_NVOICES : v + 1); w++) {
        uint8_t ctx = fault_ctx(cp, w);
        if (ctx && faults_here(ctx, cp_before(text, i), cp_at(text, n, j)))
            return 1;
    }
    return 0;
}

char *kk_espeak_guard(const char *lang, const char *text)
{
    int v = -1;
    for (int i = 0; i < KK_ESPEAK_NVOICES; i++)
        if (strcmp(lang, KK_ESPEAK_VOICES[i]) == 0)
            v = i;
    /* a voice never measured: keep out what faults in any */
    uint8_t bit = v >= 0 ? (uint8_t)(1u << v) : (uint8_t)((1u << KK_ESPEAK_NVOICES) - 1);
    int english = v == 0 || v == 1;
    size_t n = strlen(text);
    kk_sbuf b;
    kk_sbuf_init(&b);
    for (size_t i = 0; i < n;) {
        if (ascii_symbol(text[i])) {
            size_t j = i;
            while (j < n && ascii_symbol(text[j]))
                j++;
            int split = 0;
            for (size_t a = i; a < j && !split; a++)
                for (size_t l = 2; l <= 3 && a + l <= j && !split; l++)
                    split = run_faults(text + a, l, bit);
            for (size_t k = i; k < j; k++) {
                if (split && k > i)
                    kk_sbuf_addc(&b, ' ');
                kk_sbuf_addc(&b, blank(text, n, k, k + 1, v) ? ' ' : text[k]);
            }
            i = j;
            continue;
        }
        size_t j = i;
        uint32_t cp = kk_u8_next(text, n, &j);
        if (cp < 0x80) {
            kk_sbuf_addc(&b, text[i]);
        } else if (cp == 0xFFFD && !(j - i == 3 && (unsigned char)text[i] == 0xEF)) {
            kk_sbuf_addc(&b, ' '); /* malformed UTF-8 */
        } else if (english && kk_uc_digit_value(cp) >= 0) {
            kk_sbuf_addc(&b, (char)('0' + kk_uc_digit_value(cp)));
        } else if (!(measured(cp) & bit) || blank(text, n, i, j, v)) {
            kk_sbuf_addc(&b, ' ');
        } else {
            kk_sbuf_add(&b, text + i, j - i);
        }
        i = j;
    }
    if (!b.s && !b.oom)
        kk_sbuf_add(&b, "", 0);
    return kk_sbuf_take(&b);
}
