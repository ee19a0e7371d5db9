/* Late passes: remaining symbols as words, capital-letter plurals, dotted acronyms. */
#include <string.h>

#include "text/normalize_internal.h"

/* "--" runs become an em dash; & % @ # $ / = + are spoken; ~ ^ * _ | \ become spaces. */
int kk_pass_symbols(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    for (size_t i = 0; i < len; i++) {
        size_t j = i + (s[i] == ' ');
        size_t dashes = 0;
        while (j + dashes < len && s[j + dashes] == '-')
            dashes++;
        if (dashes >= 2) {
            size_t end = j + dashes;
            if (end < len && s[end] == ' ')
                end++;
            kk_rw_replace(&rw, i, end, " \xE2\x80\x94 ", 5);
            i = end - 1;
            continue;
        }
        const char *rep = NULL;
        switch (s[i]) {
        case '~': case '^': case '*': case '_': case '|': case '\\': rep = " "; break;
        case '@': rep = " at "; break;
        case '#': rep = " number "; break;
        case '$': rep = " dollar "; break;
        case '%': rep = " percent "; break;
        case '&': rep = " and "; break;
        case '/': rep = " slash "; break;
        case '=': rep = " equals "; break;
        case '+': rep = " plus "; break;
        default: break;
        }
        if (rep)
            kk_rw_replace(&rw, i, i + 1, rep, strlen(rep));
    }
    return kk_rw_finish(&rw);
}

static int consonant_capital(char c)
{
    return c >= 'B' && c <= 'Z' && c != 'E' && c != 'I' && c != 'O' && c != 'U';
}

/* "URLs" → "URL'S" and "JFK's" → "JFK'S" so the G2P spells the letters; after X the "s" stays
 * lower case ("X's"). */
int kk_pass_possessives(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    for (size_t i = 1; i < len; i++) {
        char p = s[i - 1];
        size_t end = 0;
        if (s[i] == 's' && consonant_capital(p))
            end = i + 1;
        else if (s[i] == '\'' && i + 1 < len && s[i + 1] == 's' && consonant_capital(p))
            end = i + 2;
        else if (s[i] == 'S' && p == '\'' && i >= 2 && s[i - 2] == 'X')
            end = i + 1;
        if (!end || kk_is_word(kk_cp_at(s, len, end)))
            continue;
        const char *rep = (p == 'X' || (p == '\'' && s[i] == 'S')) ? "'s" : "'S";
        if (p == '\'')
            rep = "s";
        if (end - i != strlen(rep) || memcmp(s + i, rep, end - i) != 0)
            kk_rw_replace(&rw, i, end, rep, strlen(rep));
        i = end - 1;
    }
    return kk_rw_finish(&rw);
}

/* "e.g. this" → "e-g- this"; then any dot between two letters → "-" ("U.S.A" → "U-S-A"). */
int kk_pass_acronyms(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    for (size_t i = 0; i < len; i++) {
        if (!kk_is_alpha((unsigned char)s[i]))
            continue;
        size_t j = i, pairs = 0;
        while (pairs < 12 && j + 1 < len && kk_is_alpha((unsigned char)s[j]) && s[j + 1] == '.') {
            j += 2;
            pairs++;
        }
        if (pairs < 2 || j + 1 >= len || s[j] != ' ' || !kk_is_lower((unsigned char)s[j + 1]))
            continue;
        for (size_t k = i + 1; k < j; k += 2)
            kk_rw_replace(&rw, k, k + 1, "-", 1);
        i = j + 1;
    }
    if (kk_rw_finish(&rw) != 0)
        return -1;
    kk_rw_init(&rw, t);
    s = t->s;
    len = t->len;
    for (size_t i = 1; i + 1 < len; i++)
        if (s[i] == '.' && kk_is_alpha((unsigned char)s[i - 1]) && kk_is_alpha((unsigned char)s[i + 1]))
            kk_rw_replace(&rw, i, i + 1, "-", 1);
    return kk_rw_finish(&rw);
}
