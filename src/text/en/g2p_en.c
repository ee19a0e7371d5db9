/* English G2P after misaki 0.9.4 (en.G2P with KPipeline's settings: trf=False, unk='', espeak
 * fallback, version None → ɾ→T and ʔ→t). spaCy's tokenizer and tagger are replaced by rules
 * (see tokenize() and assign_tags()); everything after them follows misaki step by step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/espeak/espeak.h"
#include "text/g2p.h"
#include "text/en/lexicon.h"
#include "text/numwords.h"
#include "text/sbuf.h"
#include "text/ucase.h"
#include "util/error.h"

#define PSMAX 2048 /* phonemes of one lexicon result; words longer than this go to espeak */
#define WMAX 256   /* longest word the lexicon paths consider (keys are far shorter) */
/* misaki's longest-known-suffix search over a glued group is quadratic in its subtokens; a
 * group (text without spaces, e.g. "a-b-c-...") is cut after this many so no input can stall it. */
#define KK_GROUP_MAX 32

struct kk_g2p_en {
    int british;
    kk_lexicon *lex;
};

/* ------------------------------------------------------------------ small helpers */

static const char STRESS1[] = "ˈ", STRESS2[] = "ˌ";
#define CP_PRIMARY 0x2C8
#define CP_SECONDARY 0x2CC

static int cp_in(uint32_t c, const char *set)
{
    size_t i = 0, n = strlen(set);
    while (i < n)
        if (kk_u8_next(set, n, &i) == c)
            return 1;
    return 0;
}

static const char VOWELS[] = "AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ";
static const char CONSONANTS[] = "bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ";
static const char NON_QUOTE_PUNCTS[] = ";:,.!?—…";
static const char PUNCTS[] = ";:,.!?—…\"“”";
static const char US_TAUS[] = "AIOWYiuæɑəɛɪɹʊʌ";
static const char SUBTOKEN_JUNKS[] = "',-._‘’/";

static int all_in(const char *s, size_t n, const char *set)
{
    size_t i = 0;
    while (i < n)
        if (!cp_in(kk_u8_next(s, n, &i), set))
            return 0;
    return 1;
}

static int has_cp(const char *s, uint32_t c)
{
    size_t n = strlen(s), i = 0;
    while (i < n)
        if (kk_u8_next(s, n, &i) == c)
            return 1;
    return 0;
}

/* Last code point of a UTF-8 string (0 if empty); *start gets its byte offset. */
static uint32_t last_cp(const char *s, size_t *start)
{
    size_t n = strlen(s);
    if (!n) {
        if (start)
            *start = 0;
        return 0;
    }
    size_t p = n - 1;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
        p--;
    if (start)
        *start = p;
    size_t i = p;
    return kk_u8_next(s, n, &i);
}

static void set_ps(char *out, const char *s)
{
    size_t l = strlen(s);
    if (l >= PSMAX)
        l = PSMAX - 1;
    memmove(out, s, l);
    out[l] = '\0';
}

static void append_ps(char *out, const char *s)
{
    size_t o = strlen(out), l = strlen(s);
    if (o + l >= PSMAX)
        l = PSMAX - 1 - o;
    memcpy(out + o, s, l);
    out[o + l] = '\0';
}

/* ------------------------------------------------------------------ stress */

#define NOSTRESS NAN
static int has_stress(double s) { return !isnan(s); }

static void replace_all(char *ps, const char *from, const char *to)
{
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_adds(&b, ps);
    kk_sbuf_replace(&b, from, to);
    if (!b.oom && b.s)
        set_ps(ps, b.s);
    kk_sbuf_free(&b);
}

/* Moves each stress mark to just before the first vowel that follows it. */
static void restress(char *ps)
{
    uint32_t cps[PSMAX];
    size_t n = 0, i = 0, len = strlen(ps);
    while (i < len && n < PSMAX)
        cps[n++] = kk_u8_next(ps, len, &i);
    uint32_t out[PSMAX];
    int moved[PSMAX] = {0};
    size_t o = 0;
    /* pending[j]: marks to emit right before position j */
    uint32_t pend_mark[PSMAX];
    size_t pend_pos[PSMAX], np = 0;
    for (size_t k = 0; k < n; k++) {
        if (cps[k] == CP_PRIMARY || cps[k] == CP_SECONDARY) {
            size_t j = k + 1;
            while (j < n && !cp_in(cps[j], VOWELS))
                j++;
            if (j < n) {
                pend_mark[np] = cps[k];
                pend_pos[np++] = j;
                moved[k] = 1;
            }
        }
    }
    for (size_t k = 0; k < n; k++) {
        /* Python sorts (j - 0.5, mark) before the vowel at j; marks staying put keep order. */
        for (size_t q = 0; q < np; q++)
            if (pend_pos[q] == k)
                out[o++] = pend_mark[q];
        if (!moved[k])
            out[o++] = cps[k];
    }
    kk_sbuf b;
    kk_sbuf_init(&b);
    for (size_t k = 0; k < o; k++)
        kk_sbuf_addcp(&b, out[k]);
    if (!b.oom && b.s)
        set_ps(ps, b.s);
    kk_sbuf_free(&b);
}

static int has_vowel(const char *ps)
{
    size_t n = strlen(ps), i = 0;
    while (i < n)
        if (cp_in(kk_u8_next(ps, n, &i), VOWELS))
            return 1;
    return 0;
}

static void apply_stress(char *ps, double stress)
{
    if (!has_stress(stress))
        return;
    int p1 = has_cp(ps, CP_PRIMARY), p2 = has_cp(ps, CP_SECONDARY);
    if (stress < -1) {
        replace_all(ps, STRESS1, "");
        replace_all(ps, STRESS2, "");
    } else if (stress == -1 || ((stress == 0 || stress == -0.5) && p1)) {
        replace_all(ps, STRESS2, "");
        replace_all(ps, STRESS1, STRESS2);
    } else if ((stress == 0 || stress == 0.5 || stress == 1) && !p1 && !p2) {
        if (!has_vowel(ps))
            return;
        char tmp[PSMAX];
        snprintf(tmp, sizeof tmp, "%s%s", STRESS2, ps);
        set_ps(ps, tmp);
        restress(ps);
    } else if (stress >= 1 && !p1 && p2) {
        replace_all(ps, STRESS2, STRESS1);
    } else if (stress > 1 && !p1 && !p2) {
        if (!has_vowel(ps))
            return;
        char tmp[PSMAX];
        snprintf(tmp, sizeof tmp, "%s%s", STRESS1, ps);
        set_ps(ps, tmp);
        restress(ps);
    }
}

static int stress_weight(const char *ps)
{
    int w = 0;
    size_t n = strlen(ps), i = 0;
    while (i < n)
        w += cp_in(kk_u8_next(ps, n, &i), "AIOQWYʤʧ") ? 2 : 1;
    return w;
}

/* ------------------------------------------------------------------ lexicon (misaki Lexicon) */

typedef struct {
    int future_vowel; /* -1 None, 0 False, 1 True */
    int future_to;
} ctx_t;

typedef struct {
    const kk_g2p_en *g;
} lx;

static int gold_has(const kk_g2p_en *g, const char *w, size_t n)
{
    kk_lex_value v;
    return kk_lexicon_get(g->lex, KK_LEX_GOLD, w, n, &v);
}

static int silver_has(const kk_g2p_en *g, const char *w, size_t n)
{
    kk_lex_value v;
    return kk_lexicon_get(g->lex, KK_LEX_SILVER, w, n, &v);
}

static const struct { const char *sym, *word; } SYMBOLS[] = {
    {"%", "percent"}, {"&", "and"}, {"+", "plus"}, {"@", "at"}};

static const char *symbol_word(const char *w)
{
    for (size_t i = 0; i < 4; i++)
        if (strcmp(w, SYMBOLS[i].sym) == 0)
            return SYMBOLS[i].word;
    return NULL;
}

static int lexicon_ords(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (!(c == '\'' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return 0;
    }
    return 1;
}

static int is_known(const kk_g2p_en *g, const char *w, size_t n)
{
    char tmp[WMAX + 1];
    if (n > WMAX)
        return 0;
    memcpy(tmp, w, n);
    tmp[n] = '\0';
    if (gold_has(g, w, n) || symbol_word(tmp) || silver_has(g, w, n))
        return 1;
    if (!kk_ustr_is_alpha(w, n) || !lexicon_ords(w, n))
        return 0;
    if (n == 1)
        return 1;
    char low[WMAX + 1];
    size_t ll = kk_ustr_lower(w, n, low, sizeof low);
    if (kk_ustr_is_upper(w, n) && gold_has(g, low, ll))
        return 1;
    return kk_ustr_is_upper(w + 1, n - 1);
}

static int get_nnp(const kk_g2p_en *g, const char *w, size_t n, char *out);

/* Returns rating (>0) and fills out, or 0 for None. */
static int lookup(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
                  const ctx_t *ctx, char *out)
{
    char w[WMAX + 1];
    if (n > WMAX)
        return 0;
    memcpy(w, word, n);
    w[n] = '\0';
    int is_nnp = 0;
    if (kk_ustr_is_upper(w, n) && !gold_has(g, w, n)) {
        n = kk_ustr_lower(word, n, w, sizeof w);
        is_nnp = tag && strcmp(tag, "NNP") == 0;
    }
    kk_lex_value v;
    int rating = 4, found = kk_lexicon_get(g->lex, KK_LEX_GOLD, w, n, &v);
    if (!found && !is_nnp) {
        found = kk_lexicon_get(g->lex, KK_LEX_SILVER, w, n, &v);
        rating = 3;
    }
    int have = 0;
    if (found)
        have = kk_lexicon_resolve(&v, tag, ctx && ctx->future_vowel == -1, out, PSMAX);
    if (!have || (is_nnp && !has_cp(out, CP_PRIMARY))) {
        int r = get_nnp(g, w, n, out);
        if (r)
            return r;
        if (!have)
            return 0;
    }
    apply_stress(out, stress);
    return rating;
}

static int get_nnp(const kk_g2p_en *g, const char *w, size_t n, char *out)
{
    char acc[PSMAX] = "";
    size_t i = 0;
    while (i < n) {
        uint32_t c = kk_u8_next(w, n, &i);
        if (!kk_uc_alpha(c))
            continue;
        char up[8];
        size_t ul = (size_t)kk_u8_put(kk_uc_toupper(c), up);
        kk_lex_value v;
        char ps[PSMAX];
        if (!kk_lexicon_get(g->lex, KK_LEX_GOLD, up, ul, &v) || !kk_lexicon_resolve(&v, NULL, 0, ps, sizeof ps))
            return 0;
        append_ps(acc, ps);
    }
    apply_stress(acc, 0);
    /* the last secondary stress becomes primary */
    char *last = NULL, *p = acc;
    while ((p = strstr(p, STRESS2)) != NULL) {
        last = p;
        p += strlen(STRESS2);
    }
    if (last) {
        char tmp[PSMAX];
        snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)(last - acc), acc, STRESS1, last + strlen(STRESS2));
        set_ps(acc, tmp);
    }
    set_ps(out, acc);
    return 3;
}

static const char *parent_tag(const char *tag)
{
    if (!tag)
        return "";
    if (!strncmp(tag, "VB", 2)) return "VERB";
    if (!strncmp(tag, "NN", 2)) return "NOUN";
    if (!strncmp(tag, "ADV", 3) || !strncmp(tag, "RB", 2)) return "ADV";
    if (!strncmp(tag, "ADJ", 3) || !strncmp(tag, "JJ", 2)) return "ADJ";
    return tag;
}

static int gold_plain(const kk_g2p_en *g, const char *w, const char *tag, char *out)
{
    kk_lex_value v;
    if (!kk_lexicon_get(g->lex, KK_LEX_GOLD, w, strlen(w), &v))
        return 0;
    return kk_lexicon_resolve(&v, tag, 0, out, PSMAX);
}

static int streq(const char *a, size_t n, const char *b) { return strlen(b) == n && memcmp(a, b, n) == 0; }

static int get_special_case(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                            const ctx_t *ctx, char *out)
{
    const char *t = tag ? tag : "";
    char tmp[WMAX + 1];
    memcpy(tmp, w, n);
    tmp[n] = '\0';
    if (!strcmp(t, "ADD") && (streq(w, n, ".") || streq(w, n, "/")))
        return lookup(g, streq(w, n, ".") ? "dot" : "slash", streq(w, n, ".") ? 3 : 5, NULL, -0.5, ctx, out);
    const char *sym = symbol_word(tmp);
    if (sym)
        return lookup(g, sym, strlen(sym), NULL, NOSTRESS, ctx, out);
    /* dotted abbreviation such as U.S. (every segment shorter than 3 letters) */
    {
        size_t a = 0, b = n;
        while (a < b && w[a] == '.') a++;
        while (b > a && w[b - 1] == '.') b--;
        int inner_dot = memchr(w + a, '.', b - a) != NULL;
        if (inner_dot) {
            char letters[WMAX + 1];
            size_t ln = 0, seg = 0, maxseg = 0;
            for (size_t i = 0; i < n; i++) {
                if (w[i] == '.') {
                    seg = 0;
                    continue;
                }
                letters[ln++] = w[i];
                seg++;
                if (seg > maxseg) maxseg = seg;
            }
            /* Python counts code points per segment; letters outside ASCII fail isalpha's
             * companion test (lexicon keys) anyway, so bytes are close enough here. */
            if (kk_ustr_is_alpha(letters, ln) && maxseg < 3)
                return get_nnp(g, w, n, out);
        }
    }
    if (streq(w, n, "a") || streq(w, n, "A")) {
        set_ps(out, !strcmp(t, "DT") ? "ɐ" : "ˈA");
        return 4;
    }
    if (streq(w, n, "am") || streq(w, n, "Am") || streq(w, n, "AM")) {
        if (!strncmp(t, "NN", 2))
            return get_nnp(g, w, n, out);
        if (ctx->future_vowel == -1 || !streq(w, n, "am") || (has_stress(stress) && stress > 0)) {
            if (!gold_plain(g, "am", NULL, out))
                return 0;
            return 4;
        }
        set_ps(out, "ɐm");
        return 4;
    }
    if (streq(w, n, "an") || streq(w, n, "An") || streq(w, n, "AN")) {
        if (streq(w, n, "AN") && !strncmp(t, "NN", 2))
            return get_nnp(g, w, n, out);
        set_ps(out, "ɐn");
        return 4;
    }
    if (streq(w, n, "I") && !strcmp(t, "PRP")) {
        set_ps(out, "ˌI");
        return 4;
    }
    if ((streq(w, n, "by") || streq(w, n, "By") || streq(w, n, "BY")) && !strcmp(parent_tag(tag), "ADV")) {
        set_ps(out, "bˈI");
        return 4;
    }
    if (streq(w, n, "to") || streq(w, n, "To") || (streq(w, n, "TO") && (!strcmp(t, "TO") || !strcmp(t, "IN")))) {
        if (ctx->future_vowel == -1) {
            if (!gold_plain(g, "to", NULL, out))
                return 0;
        } else
            set_ps(out, ctx->future_vowel ? "tʊ" : "tə");
        return 4;
    }
    if (streq(w, n, "in") || streq(w, n, "In") || (streq(w, n, "IN") && strcmp(t, "NNP"))) {
        set_ps(out, (ctx->future_vowel == -1 || strcmp(t, "IN")) ? "ˈɪn" : "ɪn");
        return 4;
    }
    if (streq(w, n, "the") || streq(w, n, "The") || (streq(w, n, "THE") && !strcmp(t, "DT"))) {
        set_ps(out, ctx->future_vowel == 1 ? "ði" : "ðə");
        return 4;
    }
    if (!strcmp(t, "IN") && (n == 2 || (n == 3 && w[2] == '.')) && (w[0] | 32) == 'v' && (w[1] | 32) == 's')
        return lookup(g, "versus", 6, NULL, NOSTRESS, ctx, out);
    if (streq(w, n, "used") || streq(w, n, "Used") || streq(w, n, "USED")) {
        int vbd = (!strcmp(t, "VBD") || !strcmp(t, "JJ")) && ctx->future_to;
        if (!gold_plain(g, "used", vbd ? "VBD" : "DEFAULT", out))
            return 0;
        return 4;
    }
    return 0;
}

static int ends_with(const char *w, size_t n, const char *suf)
{
    size_t l = strlen(suf);
    return n >= l && memcmp(w + n - l, suf, l) == 0;
}

static void suffix_s(int british, char *stem)
{
    uint32_t c = last_cp(stem, NULL);
    if (cp_in(c, "ptkfθ"))
        append_ps(stem, "s");
    else if (cp_in(c, "szʃʒʧʤ"))
        append_ps(stem, british ? "ɪz" : "ᵻz");
    else
        append_ps(stem, "z");
}

static int stem_s(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                  const ctx_t *ctx, char *out)
{
    if (n < 3 || w[n - 1] != 's')
        return 0;
    char stem[WMAX + 2];
    size_t sl;
    if (!ends_with(w, n, "ss") && is_known(g, w, n - 1))
        sl = n - 1;
    else if ((ends_with(w, n, "'s") || (n > 4 && ends_with(w, n, "es") && !ends_with(w, n, "ies"))) &&
             is_known(g, w, n - 2))
        sl = n - 2;
    else if (n > 4 && ends_with(w, n, "ies")) {
        memcpy(stem, w, n - 3);
        stem[n - 3] = 'y';
        if (!is_known(g, stem, n - 2))
            return 0;
        sl = n - 2;
        int r = lookup(g, stem, sl, tag, stress, ctx, out);
        if (!r || !*out)
            return 0;
        suffix_s(g->british, out);
        return r;
    } else
        return 0;
    memcpy(stem, w, sl);
    int r = lookup(g, stem, sl, tag, stress, ctx, out);
    if (!r || !*out)
        return 0;
    suffix_s(g->british, out);
    return r;
}

static void suffix_ed(int british, char *stem)
{
    size_t p;
    uint32_t c = last_cp(stem, &p);
    if (cp_in(c, "pkfθʃsʧ"))
        append_ps(stem, "t");
    else if (c == 'd')
        append_ps(stem, british ? "ɪd" : "ᵻd");
    else if (c != 't')
        append_ps(stem, "d");
    else if (british || kk_u8_count(stem, strlen(stem)) < 2)
        append_ps(stem, "ɪd");
    else {
        size_t p2;
        char head[PSMAX];
        memcpy(head, stem, p);
        head[p] = '\0';
        uint32_t c2 = last_cp(head, &p2);
        if (cp_in(c2, US_TAUS)) {
            stem[p] = '\0';
            append_ps(stem, "ɾᵻd");
        } else
            append_ps(stem, "ᵻd");
    }
}

static int stem_ed(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                   const ctx_t *ctx, char *out)
{
    if (n < 4 || w[n - 1] != 'd')
        return 0;
    size_t sl;
    if (!ends_with(w, n, "dd") && is_known(g, w, n - 1))
        sl = n - 1;
    else if (n > 4 && ends_with(w, n, "ed") && !ends_with(w, n, "eed") && is_known(g, w, n - 2))
        sl = n - 2;
    else
        return 0;
    int r = lookup(g, w, sl, tag, stress, ctx, out);
    if (!r || !*out)
        return 0;
    suffix_ed(g->british, out);
    return r;
}

/* Returns 0 when misaki's _ing gives None. */
static int suffix_ing(int british, char *stem)
{
    if (!*stem)
        return 0;
    size_t p;
    uint32_t c = last_cp(stem, &p);
    if (british) {
        if (cp_in(c, "əː"))
            return 0;
    } else if (kk_u8_count(stem, strlen(stem)) > 1 && c == 't') {
        char head[PSMAX];
        memcpy(head, stem, p);
        head[p] = '\0';
        if (cp_in(last_cp(head, NULL), US_TAUS)) {
            stem[p] = '\0';
            append_ps(stem, "ɾɪŋ");
            return 1;
        }
    }
    append_ps(stem, "ɪŋ");
    return 1;
}

static int stem_ing(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                    const ctx_t *ctx, char *out)
{
    if (n < 5 || !ends_with(w, n, "ing"))
        return 0;
    char stem[WMAX + 2];
    size_t sl;
    if (n > 5 && is_known(g, w, n - 3)) {
        memcpy(stem, w, n - 3);
        sl = n - 3;
    } else {
        memcpy(stem, w, n - 3);
        stem[n - 3] = 'e';
        if (is_known(g, stem, n - 2))
            sl = n - 2;
        else {
            int dbl = 0;
            if (n > 5) {
                char c = w[n - 4];
                if (c == w[n - 5] && strchr("bcdgklmnprstvxz", c) && c)
                    dbl = 1;
                if (ends_with(w, n, "cking"))
                    dbl = 1;
            }
            if (!dbl || !is_known(g, w, n - 4))
                return 0;
            memcpy(stem, w, n - 4);
            sl = n - 4;
        }
    }
    int r = lookup(g, stem, sl, tag, stress, ctx, out);
    if (!r || !suffix_ing(g->british, out))
        return 0;
    return r;
}

static int get_word(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
                    const ctx_t *ctx, char *out)
{
    int r = get_special_case(g, word, n, tag, stress, ctx, out);
    if (r)
        return r;
    char w[WMAX + 3];
    memcpy(w, word, n);
    w[n] = '\0';
    char wl[WMAX + 1];
    size_t wll = kk_ustr_lower(w, n, wl, sizeof wl);
    size_t ncp = kk_u8_count(w, n);
    if (ncp > 1) {
        char noap[WMAX + 1];
        size_t na = 0;
        for (size_t i = 0; i < n; i++)
            if (w[i] != '\'')
                noap[na++] = w[i];
        int is_nnp = tag && !strcmp(tag, "NNP");
        if (kk_ustr_is_alpha(noap, na) && !kk_ustr_is_lower(w, n) && (!is_nnp || ncp > 7) &&
            !gold_has(g, w, n) && !silver_has(g, w, n)) {
            size_t i0 = 0;
            kk_u8_next(w, n, &i0);
            if (kk_ustr_is_upper(w, n) || kk_ustr_is_lower(w + i0, n - i0)) {
                char tmp[PSMAX];
                if (gold_has(g, wl, wll) || silver_has(g, wl, wll) || stem_s(g, wl, wll, tag, stress, ctx, tmp) ||
                    stem_ed(g, wl, wll, tag, stress, ctx, tmp) || stem_ing(g, wl, wll, tag, stress, ctx, tmp)) {
                    memcpy(w, wl, wll + 1);
                    n = wll;
                }
            }
        }
    }
    if (is_known(g, w, n))
        return lookup(g, w, n, tag, stress, ctx, out);
    if (ends_with(w, n, "s'")) {
        char t2[WMAX + 3];
        memcpy(t2, w, n - 2);
        memcpy(t2 + n - 2, "'s", 3);
        if (is_known(g, t2, n))
            return lookup(g, t2, n, tag, stress, ctx, out);
    }
    if (n > 1 && w[n - 1] == '\'' && is_known(g, w, n - 1))
        return lookup(g, w, n - 1, tag, stress, ctx, out);
    if ((r = stem_s(g, w, n, tag, stress, ctx, out)))
        return r;
    if ((r = stem_ed(g, w, n, tag, stress, ctx, out)))
        return r;
    if ((r = stem_ing(g, w, n, tag, has_stress(stress) ? stress : 0.5, ctx, out)))
        return r;
    return 0;
}

/* ------------------------------------------------------------------ numbers */

static int is_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!kk_uc_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_number(const char *w, size_t n, int is_head)
{
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= kk_uc_digit((unsigned char)w[i]);
    if (!any)
        return 0;
    static const char *sufs[] = {"ing", "'d", "ed", "'s", "st", "nd", "rd", "th", "s"};
    for (size_t k = 0; k < sizeof sufs / sizeof sufs[0]; k++)
        if (ends_with(w, n, sufs[k])) {
            n -= strlen(sufs[k]);
            break;
        }
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if (!(kk_uc_digit((unsigned char)c) || c == ',' || c == '.' || (is_head && i == 0 && c == '-')))
            return 0;
    }
    return 1;
}

typedef struct {
    char ps[PSMAX];
    int rating; /* 0 = nothing yet */
    int count;
} numres;

static void num_push(numres *r, const char *ps, int rating)
{
    if (r->count)
        append_ps(r->ps, " ");
    append_ps(r->ps, ps);
    r->rating = r->count ? (rating < r->rating ? rating : r->rating) : rating;
    r->count++;
}

static void num_lookup_push(const kk_g2p_en *g, numres *r, const char *w, double stress)
{
    char ps[PSMAX];
    int rt = lookup(g, w, strlen(w), NULL, stress, NULL, ps);
    if (rt)
        num_push(r, ps, rt);
}

/* misaki's extend_num over a word list (already spelled) */
static void extend_words(const kk_g2p_en *g, numres *r, const char *words, int first, const char *flags)
{
    /* split on non-letters */
    char buf[PSMAX];
    set_ps(buf, words);
    const char *list[256];
    size_t nl = 0;
    char *p = buf;
    while (*p && nl < 256) {
        while (*p && !(*p >= 'a' && *p <= 'z'))
            p++;
        if (!*p)
            break;
        list[nl++] = p;
        while (*p >= 'a' && *p <= 'z')
            p++;
        if (*p)
            *p++ = '\0';
    }
    for (size_t i = 0; i < nl; i++) {
        const char *w = list[i];
        if (strcmp(w, "and") || strchr(flags, '&')) {
            if (first && i == 0 && nl > 1 && !strcmp(w, "one") && strchr(flags, 'a'))
                num_push(r, "ə", 4);
            else
                num_lookup_push(g, r, w, !strcmp(w, "point") ? -2 : NOSTRESS);
        } else if (strchr(flags, 'n') && r->count) {
            append_ps(r->ps, "ən");
        }
    }
}

static void extend_num(const kk_g2p_en *g, numres *r, const char *digits, size_t n, int first, const char *flags)
{
    kk_sbuf b;
    kk_sbuf_init(&b);
    if (kk_num_cardinal(digits, n, &b) && b.s)
        extend_words(g, r, b.s, first, flags);
    else /* beyond num2words' range: digit by digit */
        for (size_t i = 0; i < n; i++) {
            kk_sbuf_clear(&b);
            if (kk_num_cardinal(digits + i, 1, &b) && b.s)
                extend_words(g, r, b.s, 0, flags);
        }
    kk_sbuf_free(&b);
}

static void each_digit(const kk_g2p_en *g, numres *r, const char *s, size_t n, const char *flags)
{
    for (size_t i = 0; i < n; i++)
        extend_num(g, r, s + i, 1, 0, flags);
}

static const struct { char sym; const char *unit, *sub; } CURRENCIES[] = {
    {'$', "dollar", "cent"}, {'L', "pound", "pence"}, {'E', "euro", "cent"}};

static int get_number(const kk_g2p_en *g, const char *word, size_t n, char currency, int is_head,
                      const char *flags, char *out)
{
    char w[WMAX + 1];
    if (n > WMAX)
        return 0;
    size_t sl = 0;
    while (sl < n && ((word[n - 1 - sl] >= 'a' && word[n - 1 - sl] <= 'z') || word[n - 1 - sl] == '\''))
        sl++;
    char suffix[WMAX + 1];
    memcpy(suffix, word + n - sl, sl);
    suffix[sl] = '\0';
    n -= sl;
    memcpy(w, word, n);
    w[n] = '\0';
    numres r;
    r.ps[0] = '\0';
    r.rating = 0;
    r.count = 0;
    const char *s = w;
    if (n && s[0] == '-') {
        num_lookup_push(g, &r, "minus", NOSTRESS);
        s++;
        n--;
    }
    char nocomma[WMAX + 1];
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ',')
            nocomma[nc++] = s[i];
    nocomma[nc] = '\0';
    int dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += s[i] == '.';
    int is_ord = !strcmp(suffix, "st") || !strcmp(suffix, "nd") || !strcmp(suffix, "rd") || !strcmp(suffix, "th");
    if (!is_head && !dots) {
        if (!nc) {
        } else if (nocomma[0] == '0' || nc > 3)
            each_digit(g, &r, nocomma, nc, flags);
        else if (nc == 3 && !(nocomma[1] == '0' && nocomma[2] == '0')) {
            extend_num(g, &r, nocomma, 1, 1, flags);
            if (nocomma[1] == '0') {
                num_lookup_push(g, &r, "O", -2);
                extend_num(g, &r, nocomma + 2, 1, 0, flags);
            } else
                extend_num(g, &r, nocomma + 1, 2, 0, flags);
        } else
            extend_num(g, &r, nocomma, nc, 1, flags);
    } else if (dots > 1 || !is_head) {
        int first = 1;
        size_t a = 0;
        while (a <= nc) {
            size_t b = a;
            while (b < nc && nocomma[b] != '.')
                b++;
            size_t len = b - a;
            if (len) {
                int nonzero_tail = 0;
                for (size_t i = a + 1; i < b; i++)
                    nonzero_tail |= nocomma[i] != '0';
                if (nocomma[a] == '0' || (len != 2 && nonzero_tail))
                    each_digit(g, &r, nocomma + a, len, flags);
                else
                    extend_num(g, &r, nocomma + a, len, first, flags);
            }
            first = 0;
            a = b + 1;
        }
    } else if (currency && (dots == 0 || (nc - (size_t)(strchr(nocomma, '.') - nocomma) - 1) < 3)) {
        const char *unit = NULL, *sub = NULL;
        for (size_t i = 0; i < 3; i++)
            if (CURRENCIES[i].sym == currency) {
                unit = CURRENCIES[i].unit;
                sub = CURRENCIES[i].sub;
            }
        char *dot = strchr(nocomma, '.');
        const char *parts[2] = {nocomma, dot ? dot + 1 : NULL};
        size_t lens[2] = {dot ? (size_t)(dot - nocomma) : nc, dot ? strlen(dot + 1) : 0};
        int np = dot ? 2 : 1;
        int zero[2];
        for (int i = 0; i < np; i++) {
            zero[i] = 1;
            for (size_t k = 0; k < lens[i]; k++)
                zero[i] &= parts[i][k] == '0';
        }
        int from = 0, to = np;
        if (np > 1) {
            if (zero[1])
                to = 1;
            else if (zero[0])
                from = 1;
        }
        for (int i = from; i < to; i++) {
            if (i > from)
                num_lookup_push(g, &r, "and", NOSTRESS);
            const char *ds = lens[i] ? parts[i] : "0";
            size_t dl = lens[i] ? lens[i] : 1;
            extend_num(g, &r, ds, dl, i == from, flags);
            const char *u = i == 0 ? unit : sub;
            int one = 0;
            {
                size_t k = 0;
                while (k + 1 < dl && ds[k] == '0')
                    k++;
                one = (dl - k == 1 && ds[k] == '1');
            }
            char ps[PSMAX];
            if (!one && strcmp(u, "pence")) {
                char plural[32];
                snprintf(plural, sizeof plural, "%ss", u);
                ctx_t none = {-1, 0};
                if (stem_s(g, plural, strlen(plural), NULL, NOSTRESS, &none, ps))
                    num_push(&r, ps, 3);
            } else
                num_lookup_push(g, &r, u, NOSTRESS);
        }
    } else {
        kk_sbuf b;
        kk_sbuf_init(&b);
        int ok = 1;
        if (is_digits(s, n)) {
            if (is_ord)
                ok = kk_num_ordinal(s, n, &b);
            else if (!r.count && n == 4)
                ok = kk_num_year(s, n, &b);
            else
                ok = kk_num_cardinal(s, n, &b);
        } else if (!dots) {
            ok = is_digits(nocomma, nc) && (is_ord ? kk_num_ordinal(nocomma, nc, &b) : kk_num_cardinal(nocomma, nc, &b));
        } else if (nocomma[0] == '.') {
            kk_sbuf_adds(&b, "point");
            for (size_t i = 1; i < nc; i++) {
                if (!kk_uc_digit((unsigned char)nocomma[i]))
                    continue;
                kk_sbuf_addc(&b, ' ');
                kk_num_cardinal(nocomma + i, 1, &b);
            }
        } else {
            /* num2words(float): integer part, "point", then the digits of Python's shortest
             * repr of the fraction (trailing zeros dropped, at least one digit). */
            char *dot = strchr(nocomma, '.');
            size_t il = (size_t)(dot - nocomma);
            const char *frac = dot + 1;
            size_t fl = strlen(frac);
            while (fl > 1 && frac[fl - 1] == '0')
                fl--;
            ok = il ? kk_num_cardinal(nocomma, il, &b) : kk_num_cardinal("0", 1, &b);
            kk_sbuf_adds(&b, " point");
            if (!fl) {
                kk_sbuf_adds(&b, " zero");
            }
            for (size_t i = 0; i < fl; i++) {
                if (!kk_uc_digit((unsigned char)frac[i]))
                    continue;
                kk_sbuf_addc(&b, ' ');
                kk_num_cardinal(frac + i, 1, &b);
            }
        }
        if (!ok) { /* too long for num2words: read the digits one by one */
            kk_sbuf_clear(&b);
            for (size_t i = 0; i < nc; i++)
                if (kk_uc_digit((unsigned char)nocomma[i])) {
                    kk_sbuf_addc(&b, ' ');
                    kk_num_cardinal(nocomma + i, 1, &b);
                }
        }
        if (b.s)
            extend_words(g, &r, b.s, 1, flags);
        kk_sbuf_free(&b);
    }
    if (!r.count)
        return 0;
    set_ps(out, r.ps);
    if (!strcmp(suffix, "s") || !strcmp(suffix, "'s"))
        suffix_s(g->british, out);
    else if (!strcmp(suffix, "ed") || !strcmp(suffix, "'d"))
        suffix_ed(g->british, out);
    else if (!strcmp(suffix, "ing")) {
        if (!suffix_ing(g->british, out))
            return 0;
    }
    return r.rating;
}

/* ------------------------------------------------------------------ tokens */

typedef struct {
    size_t start, end; /* span in the line */
    char tag[8];
    int ws;
    char *ps; /* NULL = None; malloc'd */
    int rating;
    double stress; /* feature from a [text](n) link */
    char currency;
    int is_head;
    char flags[8];
    int alias_to;
    int prespace;
} tok;

typedef struct {
    tok *v;
    size_t n, cap;
} toks;

static int toks_push(toks *t, tok x)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tok *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return 0;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = x;
    return 1;
}

static void toks_free(toks *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].ps);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

static tok new_tok(size_t a, size_t b, const char *tag)
{
    tok x;
    memset(&x, 0, sizeof x);
    x.start = a;
    x.end = b;
    snprintf(x.tag, sizeof x.tag, "%s", tag);
    x.stress = NOSTRESS;
    x.is_head = 1;
    return x;
}

static int is_space_cp(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
           c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F;
}

/* Tag of a punctuation character that stands as its own token (spaCy's Penn tags). */
static const char *punct_tag(uint32_t c, int opening)
{
    switch (c) {
    case '.': case '!': case '?': return ".";
    case ',': return ",";
    case ';': case ':': case 0x2014: case 0x2013: case 0x2026: return ":";
    case '(': case '[': case '{': return "-LRB-";
    case ')': case ']': case '}': return "-RRB-";
    case '"': case 0xAB: case 0xBB: return opening ? "``" : "''";
    case 0x201C: case 0x2018: return "``";
    case 0x201D: return "''";
    case '$': case 0xA3: case 0x20AC: return "$";
    case '#': return "#";
    case '*': case '~': case '^': case '|': case '\\': case '<': case '>': case '=': case '`': return "NFP";
    case 0xA1: case 0xBF: return ".";
    default: return NULL;
    }
}

static int is_prefix_punct(uint32_t c)
{
    return c == '"' || c == 0x201C || c == 0x2018 || c == '(' || c == '[' || c == '{' || c == 0xAB ||
           c == 0xBF || c == 0xA1 || c == '$' || c == 0xA3 || c == 0x20AC || c == '#' || c == '*' ||
           c == '~' || c == 0x2026 || c == 0x2014 || c == 0x2013 || c == '`' || c == '<' || c == '|';
}

static int is_suffix_punct(uint32_t c)
{
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' || c == 0x201D ||
           c == ')' || c == ']' || c == '}' || c == 0xBB || c == 0x2026 || c == '%' || c == '*' || c == 0x2014 ||
           c == 0x2013 || c == '>' || c == '|' || c == '~';
}

/* Characters split out wherever they occur inside a chunk. */
static int is_infix_punct(uint32_t c)
{
    return c == 0x2014 || c == 0x2026 || c == '"' || c == 0x201C || c == 0x201D || c == '(' || c == ')' ||
           c == '[' || c == ']' || c == '{' || c == '}' || c == ';' || c == '!' || c == '?' || c == 0xAB ||
           c == 0xBB;
}

static const char *ABBREVIATIONS[] = {"Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Jr.", "Sr.", "vs.", "etc.", "Prof.",
                                      "Inc.", "Ltd.", "Co.", "Corp.", "Mt.", "Gen.", "Gov.", "Sen.", "Rep.",
                                      "Rev.", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.", "Mx.",
                                      "e.g.", "i.e.", "a.m.", "p.m.", "approx.", "dept.", "est.", "fig."};

static int is_abbreviation(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof ABBREVIATIONS / sizeof ABBREVIATIONS[0]; i++)
        if (streq(s, n, ABBREVIATIONS[i]))
            return 1;
    /* dotted initialisms: U.S., U.S.A. */
    if (n >= 4 && n % 2 == 0) {
        for (size_t i = 0; i < n; i += 2)
            if (!kk_uc_alpha((unsigned char)s[i]) || s[i] >= 0x7F || s[i + 1] != '.')
                return 0;
        return 1;
    }
    return 0;
}

/* Splits [a,b) (no whitespace inside) into spaCy-like tokens. */
static int tokenize_chunk(const char *s, size_t a, size_t b, toks *out)
{
    /* prefixes */
    size_t mid_a = a, mid_b = b;
    int opening = 1;
    while (mid_a < mid_b) {
        size_t i = mid_a;
        uint32_t c = kk_u8_next(s, mid_b, &i);
        if (!is_prefix_punct(c))
            break;
        if (c == '$' || c == 0xA3 || c == 0x20AC) {
            /* currency sign before a number */
        }
        const char *tag = punct_tag(c, opening);
        if (!toks_push(out, new_tok(mid_a, i, tag ? tag : "NFP")))
            return 0;
        mid_a = i;
    }
    /* suffixes, collected from the end */
    size_t suf_start[64], suf_end[64];
    int nsuf = 0;
    while (mid_b > mid_a && nsuf < 64) {
        /* "..." as one token */
        if (mid_b - mid_a >= 3 && !memcmp(s + mid_b - 3, "...", 3)) {
            suf_start[nsuf] = mid_b - 3;
            suf_end[nsuf++] = mid_b;
            mid_b -= 3;
            continue;
        }
        size_t p = mid_b - 1;
        while (p > mid_a && ((unsigned char)s[p] & 0xC0) == 0x80)
            p--;
        size_t i = p;
        uint32_t c = kk_u8_next(s, mid_b, &i);
        if (!is_suffix_punct(c))
            break;
        if (c == '.' && is_abbreviation(s + mid_a, mid_b - mid_a))
            break;
        if (c == '.' && mid_b - mid_a > 1) {
            /* a period after digits with more digits before a dot stays ("1.2." keeps the last dot
             * as punctuation; "3." is a number followed by a period) */
        }
        suf_start[nsuf] = p;
        suf_end[nsuf++] = mid_b;
        mid_b = p;
    }
    /* core: split infix punctuation, commas/colons not between digits, and "--" */
    size_t i = mid_a, piece = mid_a;
    while (i < mid_b) {
        size_t j = i;
        uint32_t c = kk_u8_next(s, mid_b, &j);
        int split = is_infix_punct(c);
        size_t end = j;
        if (!split && (c == ',' || c == ':')) {
            int dl = i > mid_a && kk_uc_digit((unsigned char)s[i - 1]);
            int dr = j < mid_b && kk_uc_digit((unsigned char)s[j]);
            split = !(dl && dr);
        }
        if (!split && c == '-' && j < mid_b && s[j] == '-') {
            split = 1;
            while (end < mid_b && s[end] == '-')
                end++;
        }
        if (split) {
            if (i > piece && !toks_push(out, new_tok(piece, i, "")))
                return 0;
            const char *tag = end - i > 1 ? ":" : punct_tag(c, piece == mid_a && i == mid_a);
            if (!toks_push(out, new_tok(i, end, tag ? tag : "NFP")))
                return 0;
            piece = end;
        }
        i = end;
    }
    if (mid_b > piece && !toks_push(out, new_tok(piece, mid_b, "")))
        return 0;
    (void)opening;
    for (int k = nsuf - 1; k >= 0; k--) {
        size_t q = suf_start[k];
        uint32_t c = kk_u8_next(s, suf_end[k], &q);
        const char *tag = suf_end[k] - suf_start[k] == 3 && s[suf_start[k]] == '.' ? ":" : punct_tag(c, 0);
        if (c == '%')
            tag = "NN";
        if (!toks_push(out, new_tok(suf_start[k], suf_end[k], tag ? tag : "NFP")))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ tagger (rules) */

static int tok_is(const char *line, const tok *t, const char *w)
{
    return streq(line + t->start, t->end - t->start, w);
}

static int tok_is_ci(const char *line, const tok *t, const char *w)
{
    size_t n = t->end - t->start;
    if (n != strlen(w) || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = line[t->start + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != w[i])
            return 0;
    }
    return 1;
}

static int in_list(const char *line, const tok *t, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (tok_is_ci(line, t, list[i]))
            return 1;
    return 0;
}

static const char *const DETERMINERS[] = {"a", "an", "the", "this", "these", "those", "my", "your", "his", "her",
                                          "its", "our", "their", "some", "any", "no", "every", "each", "another",
                                          "whose", "which", "what", NULL};
static const char *const VERB_CUES[] = {"to", "will", "would", "shall", "should", "can", "could", "may", "might",
                                        "must", "do", "does", "did", "don't", "doesn't", "didn't", "won't",
                                        "wouldn't", "can't", "cannot", "couldn't", "shouldn't", "let's", "please",
                                        "not", "never", NULL};
static const char *const SUBJECTS[] = {"i", "you", "we", "they", "he", "she", "it", "who", NULL};
static const char *const PERFECT_CUES[] = {"have", "has", "had", "having", "'ve", "was", "were", "is", "are",
                                           "been", "be", "being", "get", "got", "gets", "i've", "you've",
                                           "we've", "they've", NULL};
static const char *const ADJ_CUES[] = {"very", "so", "too", "more", "most", "less", "least", "quite", "rather",
                                       "extremely", "really", "pretty", "fairly", NULL};
static const char *const BE_FORMS[] = {"is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re",
                                       "'m", "she's", "he's", "it's", "they're", "we're", "you're", "i'm", NULL};

static int is_word_tok(const char *line, const tok *t)
{
    size_t i = t->start;
    uint32_t c = kk_u8_next(line, t->end, &i);
    return kk_uc_alpha(c);
}

static int has_digit(const char *line, const tok *t)
{
    for (size_t i = t->start; i < t->end; i++)
        if (kk_uc_digit((unsigned char)line[i]))
            return 1;
    return 0;
}

static void assign_tags(const char *line, toks *T)
{
    for (size_t k = 0; k < T->n; k++) {
        tok *t = &T->v[k];
        if (t->tag[0])
            continue;
        const tok *prev = k > 0 ? &T->v[k - 1] : NULL;
        const tok *next = k + 1 < T->n ? &T->v[k + 1] : NULL;
        const tok *next2 = k + 2 < T->n ? &T->v[k + 2] : NULL;
        int sent_start = !prev || !strcmp(prev->tag, ".") || !strcmp(prev->tag, "``") || !strcmp(prev->tag, ":");
        int next_word = next && (is_word_tok(line, next) || has_digit(line, next));
        const char *s = line + t->start;
        size_t n = t->end - t->start;
        const char *tag = "XX";
        if (has_digit(line, t) && is_number(s, n, 1))
            tag = "CD";
        else if (!is_word_tok(line, t))
            tag = (n == 1 && strchr("%&+@/", s[0])) ? "SYM" : "XX";
        else if (tok_is(line, t, "a") || tok_is(line, t, "an") || tok_is_ci(line, t, "the"))
            tag = "DT";
        else if (tok_is(line, t, "A") || tok_is(line, t, "An"))
            tag = next_word ? "DT" : "NN";
        else if (tok_is(line, t, "I"))
            tag = "PRP";
        else if (tok_is_ci(line, t, "to"))
            tag = "TO";
        else if (tok_is_ci(line, t, "in"))
            tag = next_word ? "IN" : "RB";
        else if (tok_is_ci(line, t, "by"))
            tag = next_word ? "IN" : "RB";
        else if (tok_is_ci(line, t, "vs") || tok_is_ci(line, t, "vs."))
            tag = "IN";
        else if (tok_is_ci(line, t, "that"))
            tag = next_word ? "WDT" : "DT";
        else if (tok_is(line, t, "AM"))
            tag = "NN";
        else if (tok_is_ci(line, t, "am"))
            tag = "VBP";
        else if (tok_is_ci(line, t, "used")) {
            if (prev && in_list(line, prev, BE_FORMS)) {
                /* "is used to eat" is passive; "is used to it / to eating" is adjectival */
                int adj = 0;
                if (next && tok_is_ci(line, next, "to") && next2) {
                    size_t l2 = next2->end - next2->start;
                    adj = !is_word_tok(line, next2) || ends_with(line + next2->start, l2, "ing") ||
                          in_list(line, next2, DETERMINERS) || tok_is_ci(line, next2, "it") ||
                          tok_is_ci(line, next2, "them") || tok_is_ci(line, next2, "me") ||
                          tok_is_ci(line, next2, "him") || tok_is_ci(line, next2, "us");
                }
                tag = adj ? "JJ" : "VBN";
            } else if (prev && (tok_is_ci(line, prev, "get") || tok_is_ci(line, prev, "got") ||
                                tok_is_ci(line, prev, "getting") || tok_is_ci(line, prev, "gets")))
                tag = "JJ";
            else
                tag = "VBD";
        } else {
            int all_caps = n > 1 && kk_ustr_is_upper(s, n) && !kk_ustr_is_lower(s, n);
            int capital = !kk_ustr_is_lower(s, n);
            if (prev && in_list(line, prev, DETERMINERS))
                tag = "NN";
            else if (prev && in_list(line, prev, ADJ_CUES))
                tag = "JJ";
            else if (prev && in_list(line, prev, VERB_CUES))
                tag = "VB";
            else if (prev && in_list(line, prev, PERFECT_CUES))
                tag = "VBN";
            else if (prev && in_list(line, prev, SUBJECTS))
                tag = "VBP";
            else if (sent_start && next && in_list(line, next, DETERMINERS))
                tag = "VB";
            else if (n > 3 && ends_with(s, n, "ly"))
                tag = "RB";
            if (all_caps) {
                int caps_neighbours = (prev && is_word_tok(line, prev) && prev->end - prev->start > 1 &&
                                       kk_ustr_is_upper(line + prev->start, prev->end - prev->start)) ||
                                      (next && is_word_tok(line, next) && next->end - next->start > 1 &&
                                       kk_ustr_is_upper(line + next->start, next->end - next->start));
                if (!caps_neighbours)
                    tag = "NNP";
            } else if (capital && !sent_start && !strcmp(tag, "XX"))
                tag = "NNP";
        }
        snprintf(t->tag, sizeof t->tag, "%s", tag);
    }
}

/* ------------------------------------------------------------------ subtokenize (misaki regex) */

static int is_apos(uint32_t c) { return c == '\'' || c == 0x2018 || c == 0x2019; }

/* Finds misaki's subtokens of s[a,b) and pushes them as tokens copying proto. */
static int subtokenize(const char *s, size_t a, size_t b, const tok *proto, toks *out)
{
    uint32_t cps[WMAX * 4];
    size_t off[WMAX * 4 + 1];
    size_t n = 0, i = a;
    while (i < b && n < WMAX * 4) {
        off[n] = i;
        cps[n++] = kk_u8_next(s, b, &i);
    }
    off[n] = i;
    if (i < b) {
        /* very long token: keep it whole rather than cut it */
        tok x = *proto;
        x.start = a;
        x.end = b;
        return toks_push(out, x);
    }
#define L(k) ((k) < n && kk_uc_alpha(cps[k]))
#define LU(k) ((k) < n && kk_uc_upper(cps[k]))
#define LL(k) ((k) < n && kk_uc_lower(cps[k]))
#define D(k) ((k) < n && kk_uc_digit(cps[k]))
#define SEP(k) ((k) < n && (cps[k] == ',' || cps[k] == '.'))
    size_t p = 0;
    while (p < n) {
        size_t m = 0; /* match length in code points */
        if (p == 0 && is_apos(cps[0])) {
            while (p + m < n && is_apos(cps[p + m]))
                m++;
        } else if (LU(p) && LU(p + 1) && LL(p + 2)) {
            m = 1;
        } else {
            /* number: (?:^-)?(?:\d?[,.]?\d)+ */
            size_t q = p;
            int neg = 0;
            if (p == 0 && cps[p] == '-') {
                q++;
                neg = 1;
            }
            size_t q0 = q;
            for (;;) {
                size_t u = 0;
                if (D(q) && SEP(q + 1) && D(q + 2)) u = 3;
                else if (D(q) && D(q + 1)) u = 2;
                else if (SEP(q) && D(q + 1)) u = 2;
                else if (D(q)) u = 1;
                if (!u)
                    break;
                q += u;
            }
            if (q > q0)
                m = q - p;
            else if (neg) {
                /* "-" without digits: fall through to the other alternatives */
            }
            if (!m) {
                if (cps[p] == '-' || cps[p] == '_') {
                    while (p + m < n && (cps[p + m] == '-' || cps[p + m] == '_'))
                        m++;
                } else if (is_apos(cps[p]) && p + 1 < n && is_apos(cps[p + 1])) {
                    while (p + m < n && is_apos(cps[p + m]))
                        m++;
                } else {
                    /* camelCase head: letters (with 'x pairs) ending in lowercase before an uppercase */
                    size_t q2 = p;
                    while (q2 < n) {
                        if (LL(q2) && LU(q2 + 1)) {
                            m = q2 + 1 - p;
                            break;
                        }
                        if (L(q2))
                            q2++;
                        else if (is_apos(cps[q2]) && L(q2 + 1) && q2 > p)
                            q2++;
                        else
                            break;
                    }
                    if (!m && L(p)) {
                        size_t q3 = p;
                        while (L(q3))
                            q3++;
                        while (q3 + 1 < n && is_apos(cps[q3]) && L(q3 + 1))
                            q3 += 2;
                        m = q3 - p;
                    }
                    if (!m && !(cps[p] == '-' || cps[p] == '_' || kk_uc_alpha(cps[p]) || is_apos(cps[p]) ||
                                kk_uc_digit(cps[p])))
                        m = 1;
                    if (!m && is_apos(cps[p])) {
                        size_t q4 = p;
                        while (q4 < n && is_apos(cps[q4]))
                            q4++;
                        if (q4 == n)
                            m = n - p;
                    }
                }
            }
        }
        if (!m) {
            p++;
            continue;
        }
        tok x = *proto;
        x.start = off[p];
        x.end = off[p + m];
        x.ws = 0;
        x.ps = NULL;
        if (!toks_push(out, x))
            return 0;
        p += m;
    }
#undef L
#undef LU
#undef LL
#undef D
#undef SEP
    return 1;
}

/* ------------------------------------------------------------------ misaki G2P main */

typedef struct {
    size_t first, count;
    int is_list;
} word;

static char *dupn(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

/* misaki's Lexicon.__call__ on a (merged) token text */
static int lex_call(const kk_g2p_en *g, const char *text, size_t n, const char *tag, double tk_stress,
                    char currency, int is_head, const char *flags, const ctx_t *ctx, char *out)
{
    char w[WMAX + 1];
    size_t wn = 0, i = 0;
    if (n > WMAX)
        return 0;
    while (i < n) {
        size_t s = i;
        uint32_t c = kk_u8_next(text, n, &i);
        int d = c >= 0x80 ? kk_uc_digit_value(c) : -1;
        if (c == 0x2018 || c == 0x2019)
            w[wn++] = '\'';
        else if (d >= 0) /* numeric_if_needed: digits of other scripts read as numbers */
            w[wn++] = (char)('0' + d);
        else {
            memcpy(w + wn, text + s, i - s);
            wn += i - s;
        }
    }
    w[wn] = '\0';
    double stress = kk_ustr_is_lower(w, wn) ? NOSTRESS : (kk_ustr_is_upper(w, wn) ? 2 : 0.5);
    int r = get_word(g, w, wn, tag, stress, ctx, out);
    if (r) {
        if (currency) {
            for (size_t k = 0; k < 3; k++)
                if (CURRENCIES[k].sym == currency) {
                    char plural[32], ps[PSMAX];
                    snprintf(plural, sizeof plural, "%ss", CURRENCIES[k].unit);
                    ctx_t none = {-1, 0};
                    if (stem_s(g, plural, strlen(plural), NULL, NOSTRESS, &none, ps)) {
                        append_ps(out, " ");
                        append_ps(out, ps);
                    }
                }
        }
        apply_stress(out, tk_stress);
        return r;
    }
    if (is_number(w, wn, is_head)) {
        r = get_number(g, w, wn, currency, is_head, flags, out);
        if (r)
            apply_stress(out, tk_stress);
        return r;
    }
    return 0;
}

static void token_context(ctx_t *ctx, const char *ps, const char *line, const tok *t)
{
    if (ps && *ps) {
        size_t n = strlen(ps), i = 0;
        while (i < n) {
            uint32_t c = kk_u8_next(ps, n, &i);
            if (cp_in(c, NON_QUOTE_PUNCTS)) {
                ctx->future_vowel = -1;
                break;
            }
            if (cp_in(c, VOWELS)) {
                ctx->future_vowel = 1;
                break;
            }
            if (cp_in(c, CONSONANTS)) {
                ctx->future_vowel = 0;
                break;
            }
        }
    }
    ctx->future_to = tok_is(line, t, "to") || tok_is(line, t, "To") ||
                     (tok_is(line, t, "TO") && (!strcmp(t->tag, "TO") || !strcmp(t->tag, "IN")));
}

/* Apply misaki's EspeakFallback mapping to raw espeak output. */
static char *map_espeak_en(const char *raw, int british)
{
    static const char *table[][2] = {
        {"ʔˌn\xcc\xa9", "ʔn"}, {"ʔn\xcc\xa9", "ʔn"}, {"a^ɪ", "I"}, {"a^ʊ", "W"}, {"d^ʒ", "ʤ"},
        {"e^ɪ", "A"}, {"t^ʃ", "ʧ"}, {"ɔ^ɪ", "Y"}, {"ə^l", "ᵊl"}, {"ʲo", "jo"}, {"ʲə", "jə"},
        {"e", "A"}, {"ʲ", ""}, {"ɚ", "əɹ"}, {"r", "ɹ"}, {"x", "k"}, {"ç", "k"}, {"ɐ", "ə"},
        {"ɬ", "l"}, {"\xcc\x83", ""}};
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_adds(&b, raw);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        kk_sbuf_replace(&b, table[i][0], table[i][1]);
    /* (\S)U+0329 → ᵊ\1, then any U+0329 left is deleted */
    kk_sbuf o;
    kk_sbuf_init(&o);
    if (b.s) {
        size_t n = b.len, i = 0;
        while (i < n) {
            size_t s = i;
            uint32_t c = kk_u8_next(b.s, n, &i);
            size_t j = i;
            if (c != 0x329 && !is_space_cp(c) && j < n && kk_u8_next(b.s, n, &j) == 0x329) {
                kk_sbuf_adds(&o, "ᵊ");
                kk_sbuf_add(&o, b.s + s, i - s);
                i = j;
                continue;
            }
            if (c == 0x329)
                continue;
            kk_sbuf_add(&o, b.s + s, i - s);
        }
    }
    kk_sbuf_free(&b);
    if (british) {
        kk_sbuf_replace(&o, "e^ə", "ɛː");
        kk_sbuf_replace(&o, "iə", "ɪə");
        kk_sbuf_replace(&o, "ə^ʊ", "Q");
    } else {
        kk_sbuf_replace(&o, "o^ʊ", "O");
        kk_sbuf_replace(&o, "ɜːɹ", "ɜɹ");
        kk_sbuf_replace(&o, "ɜː", "ɜɹ");
        kk_sbuf_replace(&o, "ɪə", "iə");
        kk_sbuf_replace(&o, "ː", "");
    }
    kk_sbuf_replace(&o, "o", "ɔ");
    kk_sbuf_replace(&o, "ɾ", "T");
    kk_sbuf_replace(&o, "ʔ", "t");
    kk_sbuf_replace(&o, "^", "");
    if (!o.s && !o.oom)
        kk_sbuf_add(&o, "", 0);
    return kk_sbuf_take(&o);
}

kokoro_status kk_g2p_en_fallback(int british, kk_cache *cache, const char *word, char **ps, kokoro_error *err)
{
    *ps = NULL;
    char key[WMAX + 8];
    int cacheable = strlen(word) < WMAX;
    if (cacheable) {
        snprintf(key, sizeof key, "%c:%s", british ? 'b' : 'a', word);
        *ps = kk_cache_get(cache, key);
        if (*ps)
            return KOKORO_OK;
    }
    char *raw = NULL;
    kokoro_status st = kk_espeak_phonemize_punct(british ? "en-gb" : "en-us", word, &raw, err);
    if (st != KOKORO_OK)
        return st;
    *ps = map_espeak_en(raw, british);
    free(raw);
    if (!*ps)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    if (cacheable)
        kk_cache_put(cache, key, *ps);
    return KOKORO_OK;
}

static char *merge_text(const char *line, const toks *T, size_t a, size_t b)
{
    /* misaki joins the subtokens' texts: characters its regex skipped (a lone inner apostrophe)
     * are not part of the merged word */
    size_t n = 0;
    for (size_t k = a; k < b; k++)
        n += T->v[k].end - T->v[k].start;
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    size_t o = 0;
    for (size_t k = a; k < b; k++) {
        memcpy(r + o, line + T->v[k].start, T->v[k].end - T->v[k].start);
        o += T->v[k].end - T->v[k].start;
    }
    r[o] = '\0';
    return r;
}

static const char *merged_tag(const char *line, const toks *T, size_t a, size_t b)
{
    int best = -1;
    const char *tag = T->v[a].tag;
    for (size_t k = a; k < b; k++) {
        int w = 0;
        size_t i = T->v[k].start;
        while (i < T->v[k].end) {
            uint32_t c = kk_u8_next(line, T->v[k].end, &i);
            w += kk_uc_tolower(c) == c ? 1 : 2;
        }
        if (w > best) {
            best = w;
            tag = T->v[k].tag;
        }
    }
    return tag;
}

static void resolve_tokens(const char *line, toks *T, size_t a, size_t b)
{
    /* prespace: the group mixes letters, digits and other characters (junk excluded), or has / */
    int classes = 0, slash = 0;
    for (size_t i = T->v[a].start; i < T->v[b - 1].end;) {
        uint32_t c = kk_u8_next(line, T->v[b - 1].end, &i);
        if (c == '/')
            slash = 1;
        if (cp_in(c, SUBTOKEN_JUNKS))
            continue;
        classes |= kk_uc_alpha(c) ? 1 : kk_uc_digit(c) ? 2 : 4;
    }
    int prespace = slash || (classes & (classes - 1)) != 0;
    for (size_t k = a; k < b; k++) {
        tok *t = &T->v[k];
        size_t n = t->end - t->start;
        if (!t->ps) {
            if (k == b - 1 && n && all_in(line + t->start, n, NON_QUOTE_PUNCTS) &&
                kk_u8_count(line + t->start, n) == 1) {
                t->ps = dupn(line + t->start, n);
                t->rating = 3;
            } else if (all_in(line + t->start, n, SUBTOKEN_JUNKS)) {
                t->ps = dupn("", 0);
                t->rating = 3;
            }
        } else if (k > a)
            t->prespace = prespace;
    }
    if (prespace)
        return;
    size_t idx[512];
    int prim[512], weight[512];
    size_t ni = 0;
    for (size_t k = a; k < b && ni < 512; k++)
        if (T->v[k].ps && *T->v[k].ps) {
            idx[ni] = k;
            prim[ni] = has_cp(T->v[k].ps, CP_PRIMARY);
            weight[ni] = stress_weight(T->v[k].ps);
            ni++;
        }
    if (ni == 2 && kk_u8_count(line + T->v[idx[0]].start, T->v[idx[0]].end - T->v[idx[0]].start) == 1) {
        char tmp[PSMAX];
        set_ps(tmp, T->v[idx[1]].ps);
        apply_stress(tmp, -0.5);
        free(T->v[idx[1]].ps);
        T->v[idx[1]].ps = dupn(tmp, strlen(tmp));
        return;
    }
    int nprim = 0;
    for (size_t k = 0; k < ni; k++)
        nprim += prim[k];
    if (ni < 2 || nprim <= (int)(ni + 1) / 2)
        return;
    /* demote the ni/2 parts with the lowest (has primary, weight, index) */
    int chosen[512] = {0};
    for (size_t r = 0; r < ni / 2; r++) {
        int best = -1;
        for (size_t k = 0; k < ni; k++) {
            if (chosen[k])
                continue;
            if (best < 0 || prim[k] < prim[best] || (prim[k] == prim[best] && weight[k] < weight[best]))
                best = (int)k;
        }
        chosen[best] = 1;
    }
    for (size_t k = 0; k < ni; k++)
        if (chosen[k]) {
            char tmp[PSMAX];
            set_ps(tmp, T->v[idx[k]].ps);
            apply_stress(tmp, -0.5);
            free(T->v[idx[k]].ps);
            T->v[idx[k]].ps = dupn(tmp, strlen(tmp));
        }
}

typedef struct {
    size_t start, end;
    int ws;
    char feat_kind; /* 0 none, 'p' phonemes, 's' stress, 'f' flags */
    char *feat_ps;
    double feat_stress;
    char feat_flags[8];
} range;

static int is_digit_str(const char *s, size_t n) { return is_digits(s, n); }

/* misaki preprocess: [text](feature) links. Fills ranges covering the text to tokenize. */
static int find_links(const char *s, size_t n, range **out, size_t *nout)
{
    range *v = NULL;
    size_t nv = 0, cap = 0, last = 0, i = 0;
#define PUSHR(r_)                                                                                      \
    do {                                                                                               \
        if (nv == cap) {                                                                               \
            cap = cap ? cap * 2 : 8;                                                                   \
            range *nv_ = realloc(v, cap * sizeof *v);                                                  \
            if (!nv_) {                                                                                \
                for (size_t z = 0; z < nv; z++)                                                        \
                    free(v[z].feat_ps);                                                                \
                free(v);                                                                               \
                return 0;                                                                              \
            }                                                                                          \
            v = nv_;                                                                                   \
        }                                                                                              \
        v[nv++] = (r_);                                                                                \
    } while (0)
    while (i < n) {
        if (s[i] != '[') {
            i++;
            continue;
        }
        const char *cb = memchr(s + i + 1, ']', n - i - 1);
        if (!cb || cb == s + i + 1 || (size_t)(cb - s) + 1 >= n || cb[1] != '(') {
            i++;
            continue;
        }
        size_t j = (size_t)(cb - s);
        const char *cp = memchr(s + j + 2, ')', n - j - 2);
        if (!cp) {
            i++;
            continue;
        }
        size_t k = (size_t)(cp - s);
        range plain = {last, i, 0, 0, NULL, NOSTRESS, ""};
        if (i > last)
            PUSHR(plain);
        range link = {i + 1, j, 0, 0, NULL, NOSTRESS, ""};
        const char *f = s + j + 2;
        size_t fl = k - (j + 2);
        size_t sk = (fl && (f[0] == '-' || f[0] == '+')) ? 1 : 0;
        if (fl > sk && is_digit_str(f + sk, fl - sk)) {
            link.feat_kind = 's';
            link.feat_stress = (fl - sk > 6) ? 99 : atof(f + sk) * (f[0] == '-' ? -1 : 1);
        } else if (streq(f, fl, "0.5") || streq(f, fl, "+0.5")) {
            link.feat_kind = 's';
            link.feat_stress = 0.5;
        } else if (streq(f, fl, "-0.5")) {
            link.feat_kind = 's';
            link.feat_stress = -0.5;
        } else if (fl > 1 && f[0] == '/' && f[fl - 1] == '/') {
            size_t e = fl;
            while (e > 1 && f[e - 1] == '/')
                e--;
            link.feat_kind = 'p';
            link.feat_ps = dupn(f + 1, e - 1);
        } else if (fl > 1 && f[0] == '#' && f[fl - 1] == '#') {
            size_t e = fl;
            while (e > 1 && f[e - 1] == '#')
                e--;
            link.feat_kind = 'f';
            snprintf(link.feat_flags, sizeof link.feat_flags, "%.*s", (int)(e - 1 > 7 ? 7 : e - 1), f + 1);
        }
        link.ws = k + 1 < n && is_space_cp((unsigned char)s[k + 1]);
        PUSHR(link);
        last = i = k + 1;
    }
    if (last < n) {
        range plain = {last, n, 0, 0, NULL, NOSTRESS, ""};
        PUSHR(plain);
    }
#undef PUSHR
    *out = v;
    *nout = nv;
    return 1;
}

kokoro_status kk_g2p_en_line(kk_g2p_en *g, kk_cache *cache, const char *line, size_t len, kk_pwords *out,
                             kokoro_error *err)
{
    range *rs = NULL;
    size_t nr = 0;
    if (!find_links(line, len, &rs, &nr))
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    toks T = {0}, S = {0};
    kokoro_status st = KOKORO_OK;
    /* 1. spaCy-like tokens */
    for (size_t r = 0; r < nr && st == KOKORO_OK; r++) {
        range *R = &rs[r];
        size_t before = T.n;
        if (R->feat_kind == 'p') {
            tok x = new_tok(R->start, R->end, "XX");
            x.ps = R->feat_ps;
            R->feat_ps = NULL;
            x.rating = 5;
            x.ws = R->ws;
            if (!toks_push(&T, x)) {
                free(x.ps);
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
            }
            continue;
        }
        size_t i = R->start;
        while (i < R->end) {
            size_t j = i;
            uint32_t c = kk_u8_next(line, R->end, &j);
            if (is_space_cp(c)) {
                i = j;
                continue;
            }
            size_t a = i;
            while (i < R->end) {
                j = i;
                c = kk_u8_next(line, R->end, &j);
                if (is_space_cp(c))
                    break;
                i = j;
            }
            size_t t0 = T.n;
            if (!tokenize_chunk(line, a, i, &T)) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                break;
            }
            if (T.n > t0)
                T.v[T.n - 1].ws = i < R->end;
        }
        if (T.n > before) {
            if (R->end == rs[r].end && r + 1 < nr && rs[r + 1].start == R->end && rs[r].feat_kind == 0) {
                /* a plain range ending right at a link: no whitespace between them unless the
                 * text itself ended in whitespace (already handled above) */
            }
            if (R->feat_kind)
                T.v[T.n - 1].ws = R->ws;
            for (size_t k = before; k < T.n; k++) {
                if (R->feat_kind == 's')
                    T.v[k].stress = R->feat_stress;
                else if (R->feat_kind == 'f')
                    snprintf(T.v[k].flags, sizeof T.v[k].flags, "%s", R->feat_flags);
            }
        }
    }
    for (size_t r = 0; r < nr; r++)
        free(rs[r].feat_ps);
    free(rs);
    if (st != KOKORO_OK) {
        toks_free(&T);
        return st;
    }
    assign_tags(line, &T);

    /* 2. retokenize into subtokens and words */
    word *W = NULL;
    size_t nw = 0, wcap = 0;
    char currency = 0;
    for (size_t i = 0; i < T.n && st == KOKORO_OK; i++) {
        tok *t = &T.v[i];
        size_t s0 = S.n;
        if (t->ps) {
            if (!toks_push(&S, *t)) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                break;
            }
            t->ps = NULL; /* moved */
        } else {
            if (!subtokenize(line, t->start, t->end, t, &S)) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                break;
            }
            if (S.n == s0)
                continue; /* nothing matched (cannot happen for non-empty text) */
            S.v[S.n - 1].ws = t->ws;
        }
        size_t ns = S.n - s0;
        for (size_t j = 0; j < ns; j++) {
            tok *x = &S.v[s0 + j];
            const char *xs = line + x->start;
            size_t xn = x->end - x->start;
            if (x->ps || x->alias_to) {
            } else if (!strcmp(x->tag, "$") && (streq(xs, xn, "$") || streq(xs, xn, "£") || streq(xs, xn, "€"))) {
                currency = streq(xs, xn, "$") ? '$' : streq(xs, xn, "£") ? 'L' : 'E';
                x->ps = dupn("", 0);
                x->rating = 4;
            } else if (!strcmp(x->tag, ":") && (streq(xs, xn, "-") || streq(xs, xn, "–"))) {
                x->ps = dupn("—", strlen("—"));
                x->rating = 3;
            } else if ((!strcmp(x->tag, ".") || !strcmp(x->tag, ",") || !strcmp(x->tag, "-LRB-") ||
                        !strcmp(x->tag, "-RRB-") || !strcmp(x->tag, "``") || !strcmp(x->tag, "\"\"") ||
                        !strcmp(x->tag, "''") || !strcmp(x->tag, ":") || !strcmp(x->tag, "$") ||
                        !strcmp(x->tag, "#") || !strcmp(x->tag, "NFP"))) {
                int nonletter = 0;
                size_t q = 0;
                while (q < xn) {
                    uint32_t c = kk_u8_next(xs, xn, &q);
                    uint32_t lc = kk_uc_tolower(c);
                    if (!(lc >= 'a' && lc <= 'z'))
                        nonletter = 1;
                }
                if (nonletter) {
                    const char *mapped = !strcmp(x->tag, "-LRB-") ? "(" : !strcmp(x->tag, "-RRB-") ? ")"
                                         : !strcmp(x->tag, "``") ? "“"
                                         : (!strcmp(x->tag, "''") || !strcmp(x->tag, "\"\"")) ? "”" : NULL;
                    if (mapped)
                        x->ps = dupn(mapped, strlen(mapped));
                    else {
                        kk_sbuf b;
                        kk_sbuf_init(&b);
                        q = 0;
                        while (q < xn) {
                            size_t q0 = q;
                            uint32_t c = kk_u8_next(xs, xn, &q);
                            if (cp_in(c, PUNCTS))
                                kk_sbuf_add(&b, xs + q0, q - q0);
                        }
                        x->ps = kk_sbuf_take(&b);
                    }
                    x->rating = 4;
                }
            } else if (currency) {
                if (strcmp(x->tag, "CD"))
                    currency = 0;
                else if (j + 1 == ns && (i + 1 == T.n || strcmp(T.v[i + 1].tag, "CD")))
                    x->currency = currency;
            } else if (j > 0 && j + 1 < ns && streq(xs, xn, "2")) {
                tok *pv = &S.v[s0 + j - 1], *nx = &S.v[s0 + j + 1];
                size_t pl = pv->end;
                while (pl > pv->start && ((unsigned char)line[pl - 1] & 0xC0) == 0x80)
                    pl--;
                if (pl > pv->start)
                    pl--;
                size_t q1 = pl, q2 = nx->start;
                uint32_t c1 = kk_u8_next(line, pv->end, &q1), c2 = kk_u8_next(line, nx->end, &q2);
                if (kk_uc_alpha(c1) && kk_uc_alpha(c2))
                    x->alias_to = 1;
            }
            size_t xi = s0 + j;
            if (x->ps || x->alias_to) {
                if (nw == wcap) {
                    wcap = wcap ? wcap * 2 : 64;
                    word *nv = realloc(W, wcap * sizeof *W);
                    if (!nv) {
                        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                        break;
                    }
                    W = nv;
                }
                W[nw++] = (word){xi, 1, 0};
            } else if (nw && W[nw - 1].is_list && !S.v[W[nw - 1].first + W[nw - 1].count - 1].ws &&
                       W[nw - 1].count < KK_GROUP_MAX) {
                x->is_head = 0;
                W[nw - 1].count++;
            } else {
                if (nw == wcap) {
                    wcap = wcap ? wcap * 2 : 64;
                    word *nv = realloc(W, wcap * sizeof *W);
                    if (!nv) {
                        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                        break;
                    }
                    W = nv;
                }
                W[nw++] = (word){xi, 1, x->ws ? 0 : 1};
            }
        }
    }
    toks_free(&T);
    /* words appended to a list must be contiguous in S: they are, since S grows in order and a
     * list only ever takes the next subtoken */

    /* 3. right-to-left pass */
    ctx_t ctx = {-1, 0};
    char ps[PSMAX];
    for (size_t wi = nw; wi-- > 0 && st == KOKORO_OK;) {
        word *w = &W[wi];
        if (!w->is_list || w->count == 1) {
            tok *t = &S.v[w->first];
            if (!t->ps) {
                const char *txt = t->alias_to ? "to" : line + t->start;
                size_t tl = t->alias_to ? 2 : t->end - t->start;
                int r = lex_call(g, txt, tl, t->tag, t->stress, t->currency, t->is_head, t->flags, &ctx, ps);
                if (r) {
                    t->ps = dupn(ps, strlen(ps));
                    t->rating = r;
                } else {
                    char *text = dupn(line + t->start, t->end - t->start);
                    char *fb = NULL;
                    if (text)
                        st = kk_g2p_en_fallback(g->british, cache, text, &fb, err);
                    free(text);
                    t->ps = fb;
                    t->rating = 2;
                }
            }
            token_context(&ctx, t->ps, line, t);
            continue;
        }
        size_t a = w->first, cnt = w->count;
        size_t left = 0, right = cnt;
        int should_fallback = 0;
        while (left < right) {
            int blocked = 0;
            for (size_t k = left; k < right; k++)
                if (S.v[a + k].alias_to || S.v[a + k].ps)
                    blocked = 1;
            int r = 0;
            size_t mlen = 0;
            for (size_t k = left; k < right && !blocked; k++)
                mlen += S.v[a + k].end - S.v[a + k].start;
            if (!blocked && mlen <= WMAX) {
                char *text = merge_text(line, &S, a + left, a + right);
                if (!text) {
                    st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                    break;
                }
                double s = NOSTRESS;
                int sn = 0, mixed = 0;
                char cur = 0;
                char flags[8] = "";
                for (size_t k = left; k < right; k++) {
                    tok *t = &S.v[a + k];
                    if (has_stress(t->stress)) {
                        if (sn && t->stress != s)
                            mixed = 1;
                        s = t->stress;
                        sn = 1;
                    }
                    if (t->currency > cur)
                        cur = t->currency;
                    if (t->flags[0])
                        snprintf(flags, sizeof flags, "%s", t->flags);
                }
                if (mixed)
                    s = NOSTRESS;
                r = lex_call(g, text, strlen(text), merged_tag(line, &S, a + left, a + right), s, cur,
                             S.v[a + left].is_head, flags, &ctx, ps);
                free(text);
            }
            if (r) {
                free(S.v[a + left].ps);
                S.v[a + left].ps = dupn(ps, strlen(ps));
                S.v[a + left].rating = r;
                for (size_t k = left + 1; k < right; k++) {
                    free(S.v[a + k].ps);
                    S.v[a + k].ps = dupn("", 0);
                    S.v[a + k].rating = r;
                }
                tok mt = S.v[a + left];
                mt.end = S.v[a + right - 1].end;
                token_context(&ctx, ps, line, &mt);
                right = left;
                left = 0;
            } else if (left + 1 < right) {
                left++;
            } else {
                right--;
                tok *t = &S.v[a + right];
                if (!t->ps) {
                    if (all_in(line + t->start, t->end - t->start, SUBTOKEN_JUNKS)) {
                        t->ps = dupn("", 0);
                        t->rating = 3;
                    } else {
                        should_fallback = 1;
                        break;
                    }
                }
                left = 0;
            }
        }
        if (st != KOKORO_OK)
            break;
        if (should_fallback) {
            char *text = merge_text(line, &S, a, a + cnt);
            char *fb = NULL;
            if (text)
                st = kk_g2p_en_fallback(g->british, cache, text, &fb, err);
            free(text);
            free(S.v[a].ps);
            S.v[a].ps = fb;
            S.v[a].rating = 2;
            for (size_t k = 1; k < cnt; k++) {
                free(S.v[a + k].ps);
                S.v[a + k].ps = dupn("", 0);
            }
            /* misaki does not update the context after a group fallback */
        } else
            resolve_tokens(line, &S, a, a + cnt);
    }

    /* 4. merge groups, v1.0 rewrites, output */
    for (size_t wi = 0; wi < nw && st == KOKORO_OK; wi++) {
        word *w = &W[wi];
        kk_sbuf b;
        kk_sbuf_init(&b);
        for (size_t k = 0; k < w->count; k++) {
            tok *t = &S.v[w->first + k];
            if (t->prespace && b.len && b.s[b.len - 1] != ' ' && t->ps && *t->ps)
                kk_sbuf_addc(&b, ' ');
            if (t->ps)
                kk_sbuf_adds(&b, t->ps);
        }
        kk_sbuf_replace(&b, "ɾ", "T");
        kk_sbuf_replace(&b, "ʔ", "t");
        if (!b.s && !b.oom)
            kk_sbuf_add(&b, "", 0);
        char *p = kk_sbuf_take(&b);
        tok *last = &S.v[w->first + w->count - 1];
        if (!p || !kk_pwords_push(out, S.v[w->first].start, last->end, p, last->ws))
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    free(W);
    toks_free(&S);
    return st;
}

kk_g2p_en *kk_g2p_en_new(int british)
{
    kk_g2p_en *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->british = british;
    g->lex = kk_lexicon_new(british);
    if (!g->lex) {
        free(g);
        return NULL;
    }
    return g;
}

void kk_g2p_en_free(kk_g2p_en *g)
{
    if (!g)
        return;
    kk_lexicon_free(g->lex);
    free(g);
}

void kk_pwords_free(kk_pwords *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i].ps);
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

int kk_pwords_push(kk_pwords *w, size_t start, size_t end, char *ps, int ws)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        kk_pword *v = realloc(w->v, cap * sizeof *v);
        if (!v) {
            free(ps);
            return 0;
        }
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n++] = (kk_pword){start, end, ps, ws};
    return 1;
}
