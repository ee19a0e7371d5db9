/* Tokens of a line: a rule tokeniser and tagger in place of spaCy, and misaki's subtokenize. */
#include "text/en/g2p_en_internal.h"
#include "text/numwords.h"
#include "text/sbuf.h"
#include "util/error.h"

/* ------------------------------------------------------------------ tokens */

int kk_en_toks_push(toks *t, tok x)
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

void kk_en_toks_free(toks *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].ps);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

tok kk_en_new_tok(size_t a, size_t b, const char *tag)
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

int kk_en_is_space_cp(uint32_t c)
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
int kk_en_tokenize_chunk(const char *s, size_t a, size_t b, toks *out)
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
        if (!kk_en_toks_push(out, kk_en_new_tok(mid_a, i, tag ? tag : "NFP")))
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
            if (i > piece && !kk_en_toks_push(out, kk_en_new_tok(piece, i, "")))
                return 0;
            const char *tag = end - i > 1 ? ":" : punct_tag(c, piece == mid_a && i == mid_a);
            if (!kk_en_toks_push(out, kk_en_new_tok(i, end, tag ? tag : "NFP")))
                return 0;
            piece = end;
        }
        i = end;
    }
    if (mid_b > piece && !kk_en_toks_push(out, kk_en_new_tok(piece, mid_b, "")))
        return 0;
    (void)opening;
    for (int k = nsuf - 1; k >= 0; k--) {
        size_t q = suf_start[k];
        uint32_t c = kk_u8_next(s, suf_end[k], &q);
        const char *tag = suf_end[k] - suf_start[k] == 3 && s[suf_start[k]] == '.' ? ":" : punct_tag(c, 0);
        if (c == '%')
            tag = "NN";
        if (!kk_en_toks_push(out, kk_en_new_tok(suf_start[k], suf_end[k], tag ? tag : "NFP")))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ tagger (rules) */

int kk_en_tok_is(const char *line, const tok *t, const char *w)
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

void kk_en_assign_tags(const char *line, toks *T)
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
        if (has_digit(line, t) && kk_en_is_number(s, n, 1))
            tag = "CD";
        else if (!is_word_tok(line, t))
            tag = (n == 1 && strchr("%&+@/", s[0])) ? "SYM" : "XX";
        else if (kk_en_tok_is(line, t, "a") || kk_en_tok_is(line, t, "an") || tok_is_ci(line, t, "the"))
            tag = "DT";
        else if (kk_en_tok_is(line, t, "A") || kk_en_tok_is(line, t, "An"))
            tag = next_word ? "DT" : "NN";
        else if (kk_en_tok_is(line, t, "I"))
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
        else if (kk_en_tok_is(line, t, "AM"))
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
int kk_en_subtokenize(const char *s, size_t a, size_t b, const tok *proto, toks *out)
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
        return kk_en_toks_push(out, x);
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
        if (!kk_en_toks_push(out, x))
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

