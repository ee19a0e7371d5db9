/* misaki Lexicon: stress rules, gold/silver lookup, special cases and the -s/-ed/-ing stemmers. */
#include "text/en/g2p_en_internal.h"
#include "text/numwords.h"
#include "text/sbuf.h"
#include "util/error.h"

/* ------------------------------------------------------------------ stress */

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

void kk_en_apply_stress(char *ps, double stress)
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

int kk_en_stress_weight(const char *ps)
{
    int w = 0;
    size_t n = strlen(ps), i = 0;
    while (i < n)
        w += cp_in(kk_u8_next(ps, n, &i), "AIOQWYʤʧ") ? 2 : 1;
    return w;
}

/* ------------------------------------------------------------------ lexicon (misaki Lexicon) */

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
int kk_en_lookup(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
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
    kk_en_apply_stress(out, stress);
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
    kk_en_apply_stress(acc, 0);
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

static int get_special_case(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                            const ctx_t *ctx, char *out)
{
    const char *t = tag ? tag : "";
    char tmp[WMAX + 1];
    memcpy(tmp, w, n);
    tmp[n] = '\0';
    if (!strcmp(t, "ADD") && (streq(w, n, ".") || streq(w, n, "/")))
        return kk_en_lookup(g, streq(w, n, ".") ? "dot" : "slash", streq(w, n, ".") ? 3 : 5, NULL, -0.5, ctx, out);
    const char *sym = symbol_word(tmp);
    if (sym)
        return kk_en_lookup(g, sym, strlen(sym), NULL, NOSTRESS, ctx, out);
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
        return kk_en_lookup(g, "versus", 6, NULL, NOSTRESS, ctx, out);
    if (streq(w, n, "used") || streq(w, n, "Used") || streq(w, n, "USED")) {
        int vbd = (!strcmp(t, "VBD") || !strcmp(t, "JJ")) && ctx->future_to;
        if (!gold_plain(g, "used", vbd ? "VBD" : "DEFAULT", out))
            return 0;
        return 4;
    }
    return 0;
}

void kk_en_suffix_s(int british, char *stem)
{
    uint32_t c = last_cp(stem, NULL);
    if (cp_in(c, "ptkfθ"))
        append_ps(stem, "s");
    else if (cp_in(c, "szʃʒʧʤ"))
        append_ps(stem, british ? "ɪz" : "ᵻz");
    else
        append_ps(stem, "z");
}

int kk_en_stem_s(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
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
        int r = kk_en_lookup(g, stem, sl, tag, stress, ctx, out);
        if (!r || !*out)
            return 0;
        kk_en_suffix_s(g->british, out);
        return r;
    } else
        return 0;
    memcpy(stem, w, sl);
    int r = kk_en_lookup(g, stem, sl, tag, stress, ctx, out);
    if (!r || !*out)
        return 0;
    kk_en_suffix_s(g->british, out);
    return r;
}

void kk_en_suffix_ed(int british, char *stem)
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
    int r = kk_en_lookup(g, w, sl, tag, stress, ctx, out);
    if (!r || !*out)
        return 0;
    kk_en_suffix_ed(g->british, out);
    return r;
}

/* Returns 0 when misaki's _ing gives None. */
int kk_en_suffix_ing(int british, char *stem)
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
    int r = kk_en_lookup(g, stem, sl, tag, stress, ctx, out);
    if (!r || !kk_en_suffix_ing(g->british, out))
        return 0;
    return r;
}

int kk_en_get_word(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
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
                if (gold_has(g, wl, wll) || silver_has(g, wl, wll) || kk_en_stem_s(g, wl, wll, tag, stress, ctx, tmp) ||
                    stem_ed(g, wl, wll, tag, stress, ctx, tmp) || stem_ing(g, wl, wll, tag, stress, ctx, tmp)) {
                    memcpy(w, wl, wll + 1);
                    n = wll;
                }
            }
        }
    }
    if (is_known(g, w, n))
        return kk_en_lookup(g, w, n, tag, stress, ctx, out);
    if (ends_with(w, n, "s'")) {
        char t2[WMAX + 3];
        memcpy(t2, w, n - 2);
        memcpy(t2 + n - 2, "'s", 3);
        if (is_known(g, t2, n))
            return kk_en_lookup(g, t2, n, tag, stress, ctx, out);
    }
    if (n > 1 && w[n - 1] == '\'' && is_known(g, w, n - 1))
        return kk_en_lookup(g, w, n - 1, tag, stress, ctx, out);
    if ((r = kk_en_stem_s(g, w, n, tag, stress, ctx, out)))
        return r;
    if ((r = stem_ed(g, w, n, tag, stress, ctx, out)))
        return r;
    if ((r = stem_ing(g, w, n, tag, has_stress(stress) ? stress : 0.5, ctx, out)))
        return r;
    return 0;
}

