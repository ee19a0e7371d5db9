/* SHA-256 (FIPS 180-4), streaming: used to verify downloaded model files against the
 * Hugging Face LFS object ids, which are the sha256 of the file contents. */
#ifndef KOKORO_UTIL_SHA256_H
#define KOKORO_UTIL_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total_len; /* bytes hashed so far */
    uint8_t block[64];
    size_t block_len;   /* bytes waiting in block */
} kk_sha256;

void kk_sha256_init(kk_sha256 *s);
void kk_sha256_update(kk_sha256 *s, const void *data, size_t len);
void kk_sha256_final(kk_sha256 *s, uint8_t digest[32]);

/* Writes 64 lowercase hex digits and a terminating NUL to hex[65]. */
void kk_sha256_hex(const uint8_t digest[32], char hex[65]);

/* One-shot helper: digest of a whole buffer as lowercase hex. */
void kk_sha256_buffer_hex(const void *data, size_t len, char hex[65]);
#endif
