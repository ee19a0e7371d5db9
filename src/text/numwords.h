/* English number words as the num2words package spells them (cardinal, ordinal, year), as a
 * space-separated word list with hyphens and commas already split off. "and" appears where
 * num2words writes it; misaki decides whether to speak it. */
#ifndef KOKORO_TEXT_NUMWORDS_H
#define KOKORO_TEXT_NUMWORDS_H
#include "text/sbuf.h"

/* digits: a run of ASCII digits (no sign). Returns 0 if the value is too large to spell
 * (more than 36 digits after leading zeros). */
int kk_num_cardinal(const char *digits, size_t n, kk_sbuf *out);
int kk_num_ordinal(const char *digits, size_t n, kk_sbuf *out);
int kk_num_year(const char *digits, size_t n, kk_sbuf *out);
#endif
