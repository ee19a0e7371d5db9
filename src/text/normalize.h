/* Helpers over kokoro_normalize's span map, for the front end's word timestamps. */
#ifndef KOKORO_TEXT_NORMALIZE_H
#define KOKORO_TEXT_NORMALIZE_H
#include <stddef.h>

#include "kokoro.h"

/* The source byte range that output bytes [out_start, out_end) came from. spans/n are
 * kokoro_normalize's map for out_text of the original text src. Bytes copied unchanged map to
 * exactly their own source bytes; bytes of a replacement map to the whole replaced token, so a
 * word inside "five dollars" maps to all of "$5". Returns 0, or -1 when the range is empty or
 * outside the output. O(log n). */
int kk_normalize_source_range(const char *src, const char *out_text, const kokoro_span *spans,
                              size_t n, size_t out_start, size_t out_end, size_t *src_start,
                              size_t *src_end);
#endif
