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

/* Dr. before a capitalised word → Doctor; Mr./Ms./Mrs. → Mister/Miss/Mrs (the all-capital
 * spellings only before a capitalised word); "etc." not before one → "etc". */
int kk_pass_abbreviations(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c != 'D' && c != 'M' && c != 'e') || !word_start(s, i))
            continue;
        const char *rep = NULL;
        size_t n = 0;
        if (c == 'D' && i + 3 <= len && (s[i + 1] == 'r' || s[i + 1] == 'R') && s[i + 2] == '.' &&
            space_capital(s, len, i + 3)) {
            rep = "Doctor", n = 3;
        } else if (c == 'M' && i + 3 <= len && s[i + 2] == '.' &&
                   (s[i + 1] == 'r' || s[i + 1] == 's' ||
                    ((s[i + 1] == 'R' || s[i + 1] == 'S') && space_capital(s, len, i + 3)))) {
            rep = (s[i + 1] == 'r' || s[i + 1] == 'R') ? "Mister" : "Miss", n = 3;
        } else if (c == 'M' && i + 4 <= len && s[i + 3] == '.' &&
                   ((s[i + 1] == 'r' && s[i + 2] == 's') ||
                    (s[i + 1] == 'R' && s[i + 2] == 'S' && space_capital(s, len, i + 4)))) {
            rep = "Mrs", n = 4;
        } else if (c == 'e' && i + 4 <= len && memcmp(s + i, "etc.", 4) == 0 &&
                   !space_capital(s, len, i + 4)) {
            rep = "etc", n = 4;
        }
        if (rep) {
            kk_rw_replace(&rw, i, i + n, rep, strlen(rep));
            i += n - 1;
        }
    }
    return kk_rw_finish(&rw);
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
