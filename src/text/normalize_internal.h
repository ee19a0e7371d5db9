/* Internals of the English normaliser.
 *
 * The normaliser is a fixed sequence of rewrite passes (the order of Kokoro-FastAPI's
 * EnglishNormalizer). Each pass scans the current text left to right, the way Python's re.sub
 * does (leftmost match, resume after it), and records replacements through a kk_rw. The rewriter
 * carries a segment map from the current text back to the original input, so the final output
 * knows where every byte came from:
 *   - bytes copied unchanged keep their 1:1 mapping (verbatim segments);
 *   - the bytes of a replacement map to the union of the source ranges of what they replace.
 */
#ifndef KOKORO_TEXT_NORMALIZE_INTERNAL_H
#define KOKORO_TEXT_NORMALIZE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

/* ---------------------------------------------------------------- growable byte buffer */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} kk_buf;

void kk_buf_put(kk_buf *b, const char *s, size_t n);
void kk_buf_puts(kk_buf *b, const char *s);
void kk_buf_putc(kk_buf *b, char c);
void kk_buf_free(kk_buf *b);

/* ---------------------------------------------------------------- UTF-8 and character classes */

#define KK_CP_INVALID 0xFFFFFFFFu /* a byte that does not start a valid UTF-8 sequence */

/* Decodes the code point at s[i] (i < len); returns its length in bytes (1 for invalid bytes). */
size_t kk_utf8_next(const char *s, size_t len, size_t i, uint32_t *cp);
/* Decodes the code point that ends just before s[i] (i > 0); returns its start offset. */
size_t kk_utf8_prev(const char *s, size_t i, uint32_t *cp);
/* Code point before / at a position, or 0 at the text's ends. */
uint32_t kk_cp_before(const char *s, size_t i);
uint32_t kk_cp_at(const char *s, size_t len, size_t i);

/* Python's \w, \s, [^\W_] for str patterns (Unicode): letters and digits
 * of every script are word characters; punctuation, symbols, marks, spaces and invalid bytes
 * are not (the same table as Python's, see normalize_wordchars.c). */
int kk_is_word(uint32_t cp);
int kk_is_word_nonascii(uint32_t cp); /* table generated from Python's Unicode data */
/* Value of a non-ASCII decimal digit (Python's \d: "٣", "３", "३"), or -1. */
int kk_nonascii_digit(uint32_t cp);
int kk_is_space(uint32_t cp);
int kk_is_alnum(uint32_t cp);
static inline int kk_is_digit(uint32_t cp) { return cp >= '0' && cp <= '9'; }
static inline int kk_is_upper(uint32_t cp) { return cp >= 'A' && cp <= 'Z'; }
static inline int kk_is_lower(uint32_t cp) { return cp >= 'a' && cp <= 'z'; }
static inline int kk_is_alpha(uint32_t cp) { return kk_is_upper(cp) || kk_is_lower(cp); }
static inline char kk_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* Case-insensitive (ASCII) prefix test: does s[i..len) start with word? */
int kk_starts_ci(const char *s, size_t len, size_t i, const char *word);
/* Number of ASCII digits starting at s[i]; kk_digits_max stops counting at max (patterns with
 * bounded repeats use it so that scanning a long digit run stays linear). */
size_t kk_digits(const char *s, size_t len, size_t i);
size_t kk_digits_max(const char *s, size_t len, size_t i, size_t max);
/* Python's \b at position i. */
int kk_word_boundary(const char *s, size_t len, size_t i);

/* ---------------------------------------------------------------- text with its source map */

typedef struct {
    size_t out_start, out_end; /* in the current text */
    size_t src_start, src_end; /* in the original input */
    int verbatim;              /* 1: out and src have the same length and map byte for byte */
} kk_nseg;

typedef struct {
    char *s; /* NUL-terminated */
    size_t len, cap;
    kk_nseg *seg;
    size_t nseg, segcap;
    int oom;
} kk_ntext;

/* A new text that is a verbatim copy of src. Returns 0, or -1 when out of memory. */
int kk_ntext_init(kk_ntext *t, const char *src, size_t len);
void kk_ntext_free(kk_ntext *t);

/* Builds the output of one pass from its input and a list of replacements given in order. */
typedef struct {
    kk_ntext *in;
    kk_ntext out;
    size_t pos;     /* input bytes already consumed */
    size_t si;      /* input segment holding pos */
    int changed;
} kk_rw;

void kk_rw_init(kk_rw *rw, kk_ntext *in);
/* Replaces in[start, end) (start >= every earlier end) by rep[0, n). */
void kk_rw_replace(kk_rw *rw, size_t start, size_t end, const char *rep, size_t n);
static inline void kk_rw_replace_buf(kk_rw *rw, size_t start, size_t end, const kk_buf *b)
{
    kk_rw_replace(rw, start, end, b->s ? b->s : "", b->len);
}
/* Copies the rest and swaps the result into *rw->in. Returns 0, or -1 when out of memory. */
int kk_rw_finish(kk_rw *rw);

/* ---------------------------------------------------------------- number words (inflect's rules) */

/* Appends the words of a non-negative integer written as ASCII digits (leading zeros allowed),
 * as Python inflect's number_to_words reads it ("one thousand, two hundred and three").
 * Returns 0, or -1 when it has more than 36 significant digits (beyond "decillion"). */
int kk_words_int(kk_buf *b, const char *digits, size_t n);
/* Same for a decimal "int.frac": the integer part as above, then "point" and one word per digit. */
int kk_words_decimal(kk_buf *b, const char *ip, size_t ni, const char *fp, size_t nf);
/* Appends each digit as its own word, separated by spaces ("five five five"). */
void kk_words_digits(kk_buf *b, const char *digits, size_t n);
/* Python's repr of the float "ip.fp" when it lies in [1e-4, 1e16): writes the integer digits to
 * ibuf (room for 17) and the fraction digits to fbuf (at most cap); returns the fraction length,
 * or (size_t)-1 when the value is outside that range (the caller then reads the digits as
 * written). */
size_t kk_float_fraction(const char *ip, size_t ni, const char *fp, size_t nf, char *ibuf,
                         size_t *oni, char *fbuf, size_t cap);
/* Appends a plain number as the reference's number rule reads it: sign, integer or decimal (a
 * value within 1e-5 of an integer is read as that integer), thousands commas allowed.
 * year_pairs: 4-digit integers > 1500 whose last three digits are >= 10 read as pairs.
 * Returns 0, or -1 when out of range (then the caller leaves the text as it is). */
int kk_words_number(kk_buf *b, int negative, const char *num, size_t n, int year_pairs);

/* ---------------------------------------------------------------- passes */

typedef int (*kk_pass_fn)(kk_ntext *t); /* 0, or -1 when out of memory */

int kk_pass_unicode_digits(kk_ntext *t);
int kk_pass_contractions(kk_ntext *t);
int kk_pass_emails(kk_ntext *t);
int kk_pass_urls(kk_ntext *t);
int kk_pass_units(kk_ntext *t);
int kk_pass_optional_plurals(kk_ntext *t);
int kk_pass_phone_numbers(kk_ntext *t);
int kk_pass_quotes(kk_ntext *t);
int kk_pass_cjk_punctuation(kk_ntext *t);
int kk_pass_times(kk_ntext *t);
int kk_pass_whitespace(kk_ntext *t);
int kk_pass_abbreviations(kk_ntext *t);
int kk_pass_common_words(kk_ntext *t);
int kk_pass_numbers(kk_ntext *t);
int kk_pass_symbols(kk_ntext *t);
int kk_pass_possessives(kk_ntext *t);
int kk_pass_acronyms(kk_ntext *t);
int kk_pass_final_spaces(kk_ntext *t);

#endif
