/* Growable byte strings and UTF-8 helpers shared by the text front end. */
#ifndef KOKORO_TEXT_SBUF_H
#define KOKORO_TEXT_SBUF_H
#include <stddef.h>
#include <stdint.h>

/* A NUL-terminated growable string. A failed allocation sets oom and turns later appends into
 * no-ops, so callers check once at the end instead of after every append. */
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} kk_sbuf;

void kk_sbuf_init(kk_sbuf *b);
void kk_sbuf_free(kk_sbuf *b);
void kk_sbuf_clear(kk_sbuf *b);
void kk_sbuf_add(kk_sbuf *b, const char *s, size_t n);
void kk_sbuf_adds(kk_sbuf *b, const char *s);
void kk_sbuf_addc(kk_sbuf *b, char c);
void kk_sbuf_addcp(kk_sbuf *b, uint32_t cp);
/* Hands the string to the caller (malloc'd, never NULL unless out of memory) and resets b. */
char *kk_sbuf_take(kk_sbuf *b);

/* Decodes one code point at s[*i] (n bytes total) and advances *i. Malformed or truncated
 * sequences yield U+FFFD and advance by one byte, so every input makes progress. */
uint32_t kk_u8_next(const char *s, size_t n, size_t *i);
/* Number of code points in s[0..n). */
size_t kk_u8_count(const char *s, size_t n);
/* Byte length of the encoding of cp (1..4). */
int kk_u8_len(uint32_t cp);
/* Writes the encoding of cp into out (4 bytes room); returns its length. */
int kk_u8_put(uint32_t cp, char *out);

/* Replaces every occurrence of from by to in b (both UTF-8, from non-empty). */
void kk_sbuf_replace(kk_sbuf *b, const char *from, const char *to);

/* FNV-1a over n bytes. */
uint64_t kk_fnv1a(const char *s, size_t n);
#endif
