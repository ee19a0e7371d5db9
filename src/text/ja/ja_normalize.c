/* Cutlet._normalize_text: wave dash before a digit → から, Katakana Phonetic Extensions →
 * katakana, NFKC, mojimoji's zen_to_han (after NFKC only ” ’ ‘ still change), and every run of
 * decimal digits → ' ' + its num2kana reading. Every output code point keeps the source span it
 * came from, so that words can be traced back to the caller's text. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

static int is_nd(uint32_t c)
{
    return c < 0x110000 && utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND;
}

/* A code point that NFKC may combine with what precedes it (judged on the first code point of
 * its compatibility decomposition: ﾞ becomes a combining mark): it stays in the same piece. */
static int joins_previous(uint32_t c)
{
    if (c >= 0x110000)
        return 0;
    utf8proc_int32_t d[32];
    utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, d, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, NULL);
    uint32_t f = k > 0 ? (uint32_t)d[0] : c;
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)f);
    /* comb_index >= 0x8000 marks the second code point of a canonical composition pair. */
    return p->combining_class != 0 || (p->comb_index != UINT16_MAX && (p->comb_index & 0x8000)) ||
           (f >= 0x1160 && f <= 0x11FF);
}

static kk_ja_str nfkc_piece(const uint32_t *cp, size_t n, int *ok)
{
    kk_ja_str r;
    kk_ja_str_init(&r, 0);
    kk_ja_str tmp = {.cp = (uint32_t *)cp, .n = n};
    char *u8 = kk_ja_str_utf8(&tmp, 0, n, NULL);
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t m = u8 ? utf8proc_map((const utf8proc_uint8_t *)u8, (utf8proc_ssize_t)strlen(u8), &dst,
                                           UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE)
                            : -1;
    free(u8);
    if (m < 0) {
        *ok = 0;
        return r;
    }
    for (size_t i = 0; i < (size_t)m;)
        kk_ja_str_push(&r, kk_u8_next((const char *)dst, (size_t)m, &i), 0, 0);
    free(dst);
    if (r.oom)
        *ok = 0;
    return r;
}

static uint32_t zen_to_han(uint32_t c)
{
    if (c == 0x201D)
        return '"';
    if (c == 0x2019)
        return '\'';
    if (c == 0x2018)
        return '`';
    return c;
}

int kk_ja_normalize(const char *text, size_t len, kk_ja_str *out)
{
    static const char ext[] = "クシストヌハヒフヘホムラリルレロ";
    kk_ja_str a;
    kk_ja_str_init(&a, 1);
    for (size_t i = 0; i < len;) {
        size_t s = i;
        uint32_t c = kk_u8_next(text, len, &i);
        if (c >= 0x31F0 && c <= 0x31FF) {
            size_t k = 3 * (c - 0x31F0), j = k;
            c = kk_u8_next(ext, sizeof ext - 1, &j);
        }
        kk_ja_str_push(&a, c, s, i);
    }
    /* 〜/～ followed by a decimal digit (looked at before NFKC, as misaki does). */
    kk_ja_str b;
    kk_ja_str_init(&b, 1);
    for (size_t i = 0; i < a.n; i++) {
        if ((a.cp[i] == 0x301C || a.cp[i] == 0xFF5E) && i + 1 < a.n && is_nd(a.cp[i + 1]))
            kk_ja_str_push_u8(&b, "から", a.sa[i], a.sb[i]);
        else
            kk_ja_str_push(&b, a.cp[i], a.sa[i], a.sb[i]);
    }
    kk_ja_str_free(&a);
    int ok = !b.oom;
    /* NFKC piece by piece to keep the spans. A lone ASCII character, 、 or 。 can never combine
     * with its neighbours, so the text is checked window by window between them against NFKC of
     * the window, which is what the text always follows. */
    kk_ja_str c;
    kk_ja_str_init(&c, 1);
    for (size_t w = 0; ok && w < b.n;) {
        size_t base = c.n, e = w;
        for (;;) {
            size_t j = e + 1;
            while (j < b.n && joins_previous(b.cp[j]))
                j++;
            kk_ja_str p = nfkc_piece(b.cp + e, j - e, &ok);
            for (size_t k = 0; k < p.n; k++)
                kk_ja_str_push(&c, p.cp[k], b.sa[e], b.sb[j - 1]);
            kk_ja_str_free(&p);
            int barrier = j - e == 1 && (b.cp[e] < 0x80 || b.cp[e] == 0x3001 || b.cp[e] == 0x3002);
            e = j;
            if (!ok || barrier || e >= b.n)
                break;
        }
        if (!ok)
            break;
        kk_ja_str whole = nfkc_piece(b.cp + w, e - w, &ok);
        size_t np = c.n - base;
        if (ok && !c.oom && np && (whole.n != np || memcmp(whole.cp, c.cp + base, np * sizeof *c.cp) != 0)) {
            /* The text follows NFKC of the window; the spans, approximately, the pieces (the
             * k-th code point takes the k-th piece output's span), so they stay local and in
             * order however long the window. */
            size_t *sa = malloc(np * sizeof *sa), *sb = malloc(np * sizeof *sb);
            ok = sa && sb;
            if (ok) {
                memcpy(sa, c.sa + base, np * sizeof *sa);
                memcpy(sb, c.sb + base, np * sizeof *sb);
                c.n = base;
                for (size_t k = 0; k < whole.n; k++)
                    kk_ja_str_push(&c, whole.cp[k], sa[k < np ? k : np - 1], sb[k < np ? k : np - 1]);
            }
            free(sa);
            free(sb);
        }
        kk_ja_str_free(&whole);
        w = e;
    }
    kk_ja_str_free(&b);
    ok = ok && !c.oom;
    /* zen_to_han, then the digit runs. */
    for (size_t i = 0; ok && i < c.n;) {
        if (!is_nd(c.cp[i])) {
            kk_ja_str_push(out, zen_to_han(c.cp[i]), c.sa[i], c.sb[i]);
            i++;
            continue;
        }
        size_t j = i, sa = c.sa[i], sb = c.sb[i];
        char *digits = malloc(c.n - i + 1);
        size_t nd = 0;
        if (!digits) {
            ok = 0;
            break;
        }
        /* Digits of other scripts make misaki raise (KeyError); they are dropped here. */
        for (; j < c.n && is_nd(c.cp[j]); j++) {
            if (c.cp[j] <= '9')
                digits[nd++] = (char)c.cp[j];
            if (c.sa[j] < sa)
                sa = c.sa[j];
            if (c.sb[j] > sb)
                sb = c.sb[j];
        }
        char *kana = NULL;
        ok = kk_ja_num2kana(digits, nd, &kana);
        free(digits);
        if (ok) {
            kk_ja_str_push(out, ' ', sa, sb);
            kk_ja_str_push_u8(out, kana, sa, sb);
        }
        free(kana);
        i = j;
    }
    kk_ja_str_free(&c);
    return ok && !out->oom;
}
