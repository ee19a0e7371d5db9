/* Unicode letter classes and case mapping (Python str semantics, per code point), independent
 * of the process locale. */
#ifndef KOKORO_TEXT_UCASE_H
#define KOKORO_TEXT_UCASE_H
#include <stddef.h>
#include <stdint.h>

int kk_uc_alpha(uint32_t c);
int kk_uc_upper(uint32_t c);
int kk_uc_lower(uint32_t c);
int kk_uc_digit(uint32_t c); /* ASCII 0-9 */
uint32_t kk_uc_tolower(uint32_t c);
/* Value 0..9 of a decimal digit of any script (Unicode Nd), -1 for anything else. */
int kk_uc_digit_value(uint32_t c);
uint32_t kk_uc_toupper(uint32_t c);

/* Whole-string predicates over UTF-8 (n bytes), as Python's s == s.lower() etc. */
int kk_ustr_is_lower(const char *s, size_t n);   /* s == s.lower() */
int kk_ustr_is_upper(const char *s, size_t n);   /* s == s.upper() */
int kk_ustr_is_alpha(const char *s, size_t n);   /* s.isalpha() (false when empty) */
/* Writes s.lower() / s.upper() / s.capitalize() into out (cap bytes, NUL-terminated);
 * returns the length written. */
size_t kk_ustr_lower(const char *s, size_t n, char *out, size_t cap);
size_t kk_ustr_upper(const char *s, size_t n, char *out, size_t cap);
/* Python's str.isspace() (what \s and strip() mean in phonemizer, misaki and KPipeline). */
int kk_py_space(uint32_t c);
/* Narrows [*a,*b) of s (UTF-8) to strip Python whitespace at both ends, as str.strip(). */
void kk_py_strip(const char *s, size_t *a, size_t *b);
#endif
