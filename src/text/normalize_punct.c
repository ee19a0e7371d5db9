/* Character-level passes: other scripts' digits, optional plurals, quotes, CJK punctuation,
 * whitespace. */
#include <string.h>

#include "text/normalize_internal.h"

/* Decimal digits of other scripts ("٣", full-width "３") become ASCII digits. The reference's
 * \d and float() accept them, so it reads them as numbers in most places; doing it first lets
 * every number rule (times and IP addresses too) treat them alike. */
int kk_pass_unicode_digits(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i < t->len;) {
        unsigned char c = (unsigned char)t->s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = kk_utf8_next(t->s, t->len, i, &cp);
        int d = cp == KK_CP_INVALID ? -1 : kk_nonascii_digit(cp);
        if (d >= 0) {
            char ascii = (char)('0' + d);
            kk_rw_replace(&rw, i, i + n, &ascii, 1);
        }
        i += n;
    }
    return kk_rw_finish(&rw);
}

/* "(s)" → "s": "file(s)" reads "files". */
int kk_pass_optional_plurals(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i + 3 <= t->len; i++)
        if (memcmp(t->s + i, "(s)", 3) == 0) {
            kk_rw_replace(&rw, i, i + 3, "s", 1);
            i += 2;
        }
    return kk_rw_finish(&rw);
}

/* Curly single quotes → ', curly double quotes and guillemets → ". */
int kk_pass_quotes(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i < t->len;) {
        uint32_t cp;
        size_t n = kk_utf8_next(t->s, t->len, i, &cp);
        if (cp == 0x2018 || cp == 0x2019)
            kk_rw_replace(&rw, i, i + n, "'", 1);
        else if (cp == 0xAB || cp == 0xBB || cp == 0x201C || cp == 0x201D)
            kk_rw_replace(&rw, i, i + n, "\"", 1);
        i += n;
    }
    return kk_rw_finish(&rw);
}

/* 、。！，：；？ and the en dash → ASCII punctuation followed by a space. */
int kk_pass_cjk_punctuation(kk_ntext *t)
{
    static const struct {
        uint32_t cp;
        const char *rep;
    } map[] = {{0x3001, ", "}, {0x3002, ". "}, {0xFF01, "! "}, {0xFF0C, ", "},
               {0xFF1A, ": "}, {0xFF1B, "; "}, {0xFF1F, "? "}, {0x2013, "- "}};
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i < t->len;) {
        uint32_t cp;
        size_t n = kk_utf8_next(t->s, t->len, i, &cp);
        for (size_t k = 0; k < sizeof map / sizeof *map; k++)
            if (map[k].cp == cp) {
                kk_rw_replace(&rw, i, i + n, map[k].rep, 2);
                break;
            }
        i += n;
    }
    return kk_rw_finish(&rw);
}

/* Every whitespace character becomes a space (newlines too) and runs of spaces become one:
 * any whitespace run other than a lone " " becomes " ". */
int kk_pass_whitespace(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i < t->len;) {
        uint32_t cp;
        size_t n = kk_utf8_next(t->s, t->len, i, &cp);
        if (!kk_is_space(cp)) {
            i += n;
            continue;
        }
        size_t j = i + n;
        int chars = 1;
        for (;;) {
            if (j >= t->len)
                break;
            size_t m = kk_utf8_next(t->s, t->len, j, &cp);
            if (!kk_is_space(cp))
                break;
            j += m;
            chars++;
        }
        if (chars > 1 || t->s[i] != ' ')
            kk_rw_replace(&rw, i, j, " ", 1);
        i = j;
    }
    return kk_rw_finish(&rw);
}

/* The last step, "\s{2,}" → " ". */
int kk_pass_final_spaces(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    for (size_t i = 0; i < t->len;) {
        uint32_t cp;
        size_t n = kk_utf8_next(t->s, t->len, i, &cp);
        if (!kk_is_space(cp)) {
            i += n;
            continue;
        }
        size_t j = i + n;
        int chars = 1;
        while (j < t->len) {
            size_t m = kk_utf8_next(t->s, t->len, j, &cp);
            if (!kk_is_space(cp))
                break;
            j += m;
            chars++;
        }
        if (chars > 1)
            kk_rw_replace(&rw, i, j, " ", 1);
        i = j;
    }
    return kk_rw_finish(&rw);
}
