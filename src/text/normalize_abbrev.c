/* Word-level fixes: "'re" contractions espeak misreads, titles, "etc.", "yeah". */
#include <string.h>

#include "text/normalize_internal.h"

static int word_start(const char *s, size_t i) { return !kk_is_word(kk_cp_before(s, i)); }
static int word_end(const char *s, size_t len, size_t i) { return !kk_is_word(kk_cp_at(s, len, i)); }

/* Matches WORD + suffix at i for one word of the list; returns the match end or 0. */
static size_t contraction_at(const char *s, size_t len, size_t i, const char *const *words,
                             size_t nwords, int apostrophe, size_t *wlen)
{
    for (size_t w = 0; w < nwords; w++) {
        if (!kk_starts_ci(s, len, i, words[w]))
            continue;
        size_t j = i + strlen(words[w]);
        if (apostrophe) {
            if (j < len && s[j] == '\'')
                j += 1;
            else if (j + 3 <= len && memcmp(s + j, "\xE2\x80\x99", 3) == 0)
                j += 3;
            else
                continue;
        }
        if (!kk_starts_ci(s, len, j, "re") || !word_end(s, len, j + 2))
            continue;
        *wlen = strlen(words[w]);
        return j + 2;
    }
    return 0;
}

static int contractions_with(kk_ntext *t, const char *const *words, size_t n, int apostrophe)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    char rep[32];
    for (size_t i = 0; i < t->len; i++) {
        if (!kk_is_alpha((unsigned char)t->s[i]) || !word_start(t->s, i))
            continue;
        size_t wl = 0, end = contraction_at(t->s, t->len, i, words, n, apostrophe, &wl);
        if (!end)
            continue;
        memcpy(rep, t->s + i, wl);
        memcpy(rep + wl, " are", 4);
        kk_rw_replace(&rw, i, end, rep, wl + 4);
        i = end - 1;
    }
    return kk_rw_finish(&rw);
}

/* "how're" → "how are" (espeak reads it "harry"); "theyre" → "they are". */
int kk_pass_contractions(kk_ntext *t)
{
    static const char *const with_apostrophe[] = {"how",   "what",  "where", "who",  "when",
                                                  "why",   "there", "these", "those"};
    static const char *const without[] = {"how",   "what",  "where", "when", "why",
                                          "there", "these", "those", "you",  "they"};
    if (contractions_with(t, with_apostrophe, sizeof with_apostrophe / sizeof *with_apostrophe, 1))
        return -1;
    return contractions_with(t, without, sizeof without / sizeof *without, 0);
}

/* " X" with X an ASCII capital follows at i. */
static int space_capital(const char *s, size_t len, size_t i)
{
    return i + 1 < len && s[i] == ' ' && kk_is_upper((unsigned char)s[i + 1]);
}

/* One title rule at i: returns the length it replaces (and its replacement) or 0. */
static size_t title_at(int rule, const char *s, size_t len, size_t i, const char **rep)
{
    char c1 = i + 1 < len ? s[i + 1] : 0, c2 = i + 2 < len ? s[i + 2] : 0;
    char c3 = i + 3 < len ? s[i + 3] : 0;
    switch (rule) {
    case 0: /* \bD[Rr]\.(?= [A-Z]) */
        *rep = "Doctor";
        return (s[i] == 'D' && (c1 == 'r' || c1 == 'R') && c2 == '.' && space_capital(s, len, i + 3)) ? 3 : 0;
    case 1: /* \b(?:Mr\.|MR\.(?= [A-Z])) */
        *rep = "Mister";
        return (s[i] == 'M' && c2 == '.' && (c1 == 'r' || (c1 == 'R' && space_capital(s, len, i + 3)))) ? 3 : 0;
    case 2: /* \b(?:Ms\.|MS\.(?= [A-Z])) */
        *rep = "Miss";
        return (s[i] == 'M' && c2 == '.' && (c1 == 's' || (c1 == 'S' && space_capital(s, len, i + 3)))) ? 3 : 0;
    case 3: /* \b(?:Mrs\.|MRS\.(?= [A-Z])) */
        *rep = "Mrs";
        return (s[i] == 'M' && c3 == '.' &&
                ((c1 == 'r' && c2 == 's') || (c1 == 'R' && c2 == 'S' && space_capital(s, len, i + 4))))
                   ? 4 : 0;
    default: /* \betc\.(?! [A-Z]) */
        *rep = "etc";
        return (i + 4 <= len && memcmp(s + i, "etc.", 4) == 0 && !space_capital(s, len, i + 4)) ? 4 : 0;
    }
}

/* Dr. before a capitalised word → Doctor; Mr./Ms./Mrs. → Mister/Miss/Mrs (the all-capital
 * spellings only before a capitalised word); "etc." not before one → "etc". Each rule is its
 * own pass, as in the reference, so "Mr.Ms." reads "MisterMs." (no word boundary left). */
int kk_pass_abbreviations(kk_ntext *t)
{
    for (int rule = 0; rule < 5; rule++) {
        kk_rw rw;
        kk_rw_init(&rw, t);
        const char *s = t->s;
        size_t len = t->len;
        for (size_t i = 0; i < len; i++) {
            const char *rep = NULL;
            size_t n = word_start(s, i) ? title_at(rule, s, len, i, &rep) : 0;
            if (n) {
                kk_rw_replace(&rw, i, i + n, rep, strlen(rep));
                i += n - 1;
            }
        }
        if (kk_rw_finish(&rw) != 0)
            return -1;
    }
    return 0;
}

/* "yeah"/"yea" → "ye'a" (any case, first letter kept). */
int kk_pass_common_words(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    for (size_t i = 0; i + 3 <= len; i++) {
        if (kk_lower(s[i]) != 'y' || !word_start(s, i) || !kk_starts_ci(s, len, i + 1, "ea"))
            continue;
        size_t end = i + 3;
        if (end < len && kk_lower(s[end]) == 'h' && word_end(s, len, end + 1))
            end++;
        else if (!word_end(s, len, end))
            continue;
        char rep[4] = {s[i], 'e', '\'', 'a'};
        kk_rw_replace(&rw, i, end, rep, 4);
        i = end - 1;
    }
    return kk_rw_finish(&rw);
}
