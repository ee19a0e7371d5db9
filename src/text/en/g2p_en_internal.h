/* Shared internals of the English G2P (misaki 0.9.4 en.G2P), split along its stages:
 * g2p_en_lexicon.c (stress, lexicon lookup and stemming), g2p_en_numbers.c (numbers),
 * g2p_en_tokens.c (tokeniser, tagger rules, subtokens) and g2p_en.c (the line driver). */
#ifndef KOKORO_TEXT_EN_G2P_EN_INTERNAL_H
#define KOKORO_TEXT_EN_G2P_EN_INTERNAL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/en/lexicon.h"
#include "text/g2p.h"
#include "text/sbuf.h"
#include "text/ucase.h"

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

static inline int cp_in(uint32_t c, const char *set)
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

static inline int all_in(const char *s, size_t n, const char *set)
{
    size_t i = 0;
    while (i < n)
        if (!cp_in(kk_u8_next(s, n, &i), set))
            return 0;
    return 1;
}

static inline int has_cp(const char *s, uint32_t c)
{
    size_t n = strlen(s), i = 0;
    while (i < n)
        if (kk_u8_next(s, n, &i) == c)
            return 1;
    return 0;
}

/* Last code point of a UTF-8 string (0 if empty); *start gets its byte offset. */
static inline uint32_t last_cp(const char *s, size_t *start)
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

static inline void set_ps(char *out, const char *s)
{
    size_t l = strlen(s);
    if (l >= PSMAX)
        l = PSMAX - 1;
    memmove(out, s, l);
    out[l] = '\0';
}

static inline void append_ps(char *out, const char *s)
{
    size_t o = strlen(out), l = strlen(s);
    if (o + l >= PSMAX)
        l = PSMAX - 1 - o;
    memcpy(out + o, s, l);
    out[o + l] = '\0';
}

static inline int streq(const char *a, size_t n, const char *b) { return strlen(b) == n && memcmp(a, b, n) == 0; }

static inline int ends_with(const char *w, size_t n, const char *suf)
{
    size_t l = strlen(suf);
    return n >= l && memcmp(w + n - l, suf, l) == 0;
}

/* ------------------------------------------------------------------ stress */

#define NOSTRESS NAN
static inline int has_stress(double s) { return !isnan(s); }

typedef struct {
    int future_vowel; /* -1 None, 0 False, 1 True */
    int future_to;
} ctx_t;

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

/* Currency symbols (as the tokeniser marks them) and their units. */
static const struct { char sym; const char *unit, *sub; } CURRENCIES[] = {
    {'$', "dollar", "cent"}, {'L', "pound", "pence"}, {'E', "euro", "cent"}};

/* g2p_en_lexicon.c */
void kk_en_apply_stress(char *ps, double stress);
int kk_en_stress_weight(const char *ps);
int kk_en_lookup(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
                  const ctx_t *ctx, char *out);
void kk_en_suffix_s(int british, char *stem);
int kk_en_stem_s(const kk_g2p_en *g, const char *w, size_t n, const char *tag, double stress,
                  const ctx_t *ctx, char *out);
void kk_en_suffix_ed(int british, char *stem);
int kk_en_suffix_ing(int british, char *stem);
int kk_en_get_word(const kk_g2p_en *g, const char *word, size_t n, const char *tag, double stress,
                    const ctx_t *ctx, char *out);

/* g2p_en_numbers.c */
int kk_en_is_digits(const char *s, size_t n);
int kk_en_is_number(const char *w, size_t n, int is_head);
int kk_en_get_number(const kk_g2p_en *g, const char *word, size_t n, char currency, int is_head,
                      const char *flags, char *out);

/* g2p_en_tokens.c */
int kk_en_toks_push(toks *t, tok x);
void kk_en_toks_free(toks *t);
tok kk_en_new_tok(size_t a, size_t b, const char *tag);
int kk_en_is_space_cp(uint32_t c);
int kk_en_tokenize_chunk(const char *s, size_t a, size_t b, toks *out);
int kk_en_tok_is(const char *line, const tok *t, const char *w);
void kk_en_assign_tags(const char *line, toks *T);
int kk_en_subtokenize(const char *s, size_t a, size_t b, const tok *proto, toks *out);
#endif
