/* English G2P after misaki 0.9.4 (en.G2P with KPipeline's settings: trf=False, unk='', espeak
 * fallback, version None → ɾ→T and ʔ→t). spaCy's tokenizer and tagger are replaced by rules
 * (see g2p_en_tokens.c); everything after them follows misaki step by step. */
#include "text/en/g2p_en_internal.h"
#include "text/espeak/espeak.h"
#include "text/numwords.h"
#include "text/sbuf.h"
#include "util/error.h"

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
    int r = kk_en_get_word(g, w, wn, tag, stress, ctx, out);
    if (r) {
        if (currency) {
            for (size_t k = 0; k < 3; k++)
                if (CURRENCIES[k].sym == currency) {
                    char plural[32], ps[PSMAX];
                    snprintf(plural, sizeof plural, "%ss", CURRENCIES[k].unit);
                    ctx_t none = {-1, 0};
                    if (kk_en_stem_s(g, plural, strlen(plural), NULL, NOSTRESS, &none, ps)) {
                        append_ps(out, " ");
                        append_ps(out, ps);
                    }
                }
        }
        kk_en_apply_stress(out, tk_stress);
        return r;
    }
    if (kk_en_is_number(w, wn, is_head)) {
        r = kk_en_get_number(g, w, wn, currency, is_head, flags, out);
        if (r)
            kk_en_apply_stress(out, tk_stress);
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
    ctx->future_to = kk_en_tok_is(line, t, "to") || kk_en_tok_is(line, t, "To") ||
                     (kk_en_tok_is(line, t, "TO") && (!strcmp(t->tag, "TO") || !strcmp(t->tag, "IN")));
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
            if (c != 0x329 && !kk_en_is_space_cp(c) && j < n && kk_u8_next(b.s, n, &j) == 0x329) {
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
            weight[ni] = kk_en_stress_weight(T->v[k].ps);
            ni++;
        }
    if (ni == 2 && kk_u8_count(line + T->v[idx[0]].start, T->v[idx[0]].end - T->v[idx[0]].start) == 1) {
        char tmp[PSMAX];
        set_ps(tmp, T->v[idx[1]].ps);
        kk_en_apply_stress(tmp, -0.5);
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
            kk_en_apply_stress(tmp, -0.5);
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

static int is_digit_str(const char *s, size_t n) { return kk_en_is_digits(s, n); }

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
        link.ws = k + 1 < n && kk_en_is_space_cp((unsigned char)s[k + 1]);
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
            tok x = kk_en_new_tok(R->start, R->end, "XX");
            x.ps = R->feat_ps;
            R->feat_ps = NULL;
            x.rating = 5;
            x.ws = R->ws;
            if (!kk_en_toks_push(&T, x)) {
                free(x.ps);
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
            }
            continue;
        }
        size_t i = R->start;
        while (i < R->end) {
            size_t j = i;
            uint32_t c = kk_u8_next(line, R->end, &j);
            if (kk_en_is_space_cp(c)) {
                i = j;
                continue;
            }
            size_t a = i;
            while (i < R->end) {
                j = i;
                c = kk_u8_next(line, R->end, &j);
                if (kk_en_is_space_cp(c))
                    break;
                i = j;
            }
            size_t t0 = T.n;
            if (!kk_en_tokenize_chunk(line, a, i, &T)) {
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
        kk_en_toks_free(&T);
        return st;
    }
    kk_en_assign_tags(line, &T);

    /* 2. retokenize into subtokens and words */
    word *W = NULL;
    size_t nw = 0, wcap = 0;
    char currency = 0;
    for (size_t i = 0; i < T.n && st == KOKORO_OK; i++) {
        tok *t = &T.v[i];
        size_t s0 = S.n;
        if (t->ps) {
            if (!kk_en_toks_push(&S, *t)) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                break;
            }
            t->ps = NULL; /* moved */
        } else {
            if (!kk_en_subtokenize(line, t->start, t->end, t, &S)) {
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
    kk_en_toks_free(&T);
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
    kk_en_toks_free(&S);
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
