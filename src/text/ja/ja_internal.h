/* Internal pieces of the Japanese G2P (misaki 0.9.4's cutlet path): code point strings with their
 * source spans, and the stages the driver (ja_g2p.c) chains together. */
#ifndef KOKORO_TEXT_JA_INTERNAL_H
#define KOKORO_TEXT_JA_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "text/g2p.h"

/* A code point string; every code point remembers the byte span of the caller's text it came
 * from (a rewrite maps all its output to the whole rewritten span). A failed allocation sets oom
 * and turns later pushes into no-ops. */
typedef struct {
    uint32_t *cp;
    size_t *sa, *sb; /* source byte span of cp[i]; NULL in strings that need no spans */
    size_t n, cap;
    int spans, oom;
} kk_ja_str;

void kk_ja_str_init(kk_ja_str *s, int spans);
void kk_ja_str_free(kk_ja_str *s);
void kk_ja_str_push(kk_ja_str *s, uint32_t cp, size_t sa, size_t sb);
/* Appends UTF-8 text, every code point with the span [sa, sb). */
void kk_ja_str_push_u8(kk_ja_str *s, const char *u8, size_t sa, size_t sb);
/* UTF-8 encoding of cp[a, b) (malloc'd, NUL-terminated) and, if offs is given, the byte offset
 * of every code point (offs[k] for cp[a+k], plus one past the end; malloc'd). */
char *kk_ja_str_utf8(const kk_ja_str *s, size_t a, size_t b, size_t **offs);

/* ---- embedded data (ja_data.c): the files of data/ja/ */
const char *kk_ja_blob(const char *name, size_t *len);

/* ---- normalisation (ja_normalize.c): Cutlet._normalize_text, with source spans. */
int kk_ja_normalize(const char *text, size_t len, kk_ja_str *out);

/* ---- num2kana (ja_num2kana.c): Convert(run, 'hiragana') of a run of ASCII digits. Runs of
 * more than 9 digits (misaki: an English error text that then fails an assertion) are read
 * digit by digit. Sets *out (malloc'd UTF-8); returns 0 when out of memory. */
int kk_ja_num2kana(const char *digits, size_t n, char **out);

/* ---- kana table (ja_kana.c) */
typedef struct kk_ja_table kk_ja_table;
kk_ja_table *kk_ja_table_new(void);
void kk_ja_table_free(kk_ja_table *t);

/* One MeCab word, or a regrouped run of them. */
typedef struct {
    size_t a, b;     /* code point span in the normalised text (spaces between words included) */
    kk_ja_str surf;  /* surface: the words' surfaces joined */
    kk_ja_str hira;  /* reading in hiragana (jaconv.kata2hira of pron, kana or surface) */
    int type;        /* 6: known word or katakana run; else MeCab's char_type */
} kk_ja_word;

/* _romaji_word: phonemes (malloc'd UTF-8) of one group. */
char *kk_ja_romaji(const kk_ja_table *t, const kk_ja_word *w);

/* ---- misaki's word list (ja_words.c) */
typedef struct kk_ja_wordset kk_ja_wordset;
kk_ja_wordset *kk_ja_wordset_new(void);
void kk_ja_wordset_free(kk_ja_wordset *ws);
/* Regroups words[0..*n) in place (_romaji_tokens' first loop); returns 0 when out of memory. */
int kk_ja_regroup(const kk_ja_wordset *ws, kk_ja_word *words, size_t *n);

/* ---- spacing and joining (ja_spacing.c) */
typedef struct {
    char *roma;       /* phonemes of the group (malloc'd) */
    const char *surf; /* UTF-8 surface (borrowed) */
    size_t sa, sb;    /* source byte span */
} kk_ja_token;

/* Applies the spacing rules, the final clean-up and the ʔ rule to the tokens, and appends the
 * resulting words to out (one per run of a token's phonemes; ws where a space follows).
 * Joining them as ps + ' ' if ws, then stripping, gives misaki's string exactly. */
int kk_ja_assemble(kk_ja_token *tok, size_t n, kk_pwords *out);

/* ---- MeCab (ja_mecab.c) */
typedef struct kk_ja_mecab kk_ja_mecab;
kokoro_status kk_ja_mecab_open(const char *dict, kk_ja_mecab **out, kokoro_error *err);
void kk_ja_mecab_free(kk_ja_mecab *m);
const char *kk_ja_mecab_describe(const kk_ja_mecab *m);
/* Parses norm into words (malloc'd array, *n of them). */
kokoro_status kk_ja_mecab_parse(kk_ja_mecab *m, const kk_ja_str *norm, kk_ja_word **words, size_t *n,
                                kokoro_error *err);
void kk_ja_words_free(kk_ja_word *w, size_t n);

/* Python's str.isspace() (Unicode White_Space-like set Python uses). */
int kk_ja_isspace(uint32_t c);
#endif
