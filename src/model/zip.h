/*
 * zip — read-only view of a zip archive held in memory (a torch checkpoint is one).
 *
 * Only what torch.save writes is needed: stored (uncompressed) entries, optionally zip64. The
 * archive bytes are borrowed, never copied; entry data pointers point into them. Every offset
 * read from the file is bounds-checked against the buffer before use.
 */
#ifndef KOKORO_MODEL_ZIP_H
#define KOKORO_MODEL_ZIP_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

typedef struct {
    char *name;          /* NUL-terminated copy of the entry name */
    uint64_t header_off; /* offset of the local file header */
    uint64_t size;       /* uncompressed size */
    uint64_t csize;      /* stored size */
    uint16_t method;     /* 0 = stored */
} kk_zip_entry;

typedef struct {
    const uint8_t *data; /* borrowed */
    size_t len;
    kk_zip_entry *entries;
    size_t n_entries;
} kk_zip;

/* Parses the central directory of the archive in data[0..len). data must outlive the kk_zip. */
kokoro_status kk_zip_open(const uint8_t *data, size_t len, kk_zip *out, kokoro_error *err);
void kk_zip_close(kk_zip *zip);

/* Index of the entry called name, or -1. */
long kk_zip_find(const kk_zip *zip, const char *name);

/* Bytes of a stored entry (located through its local header). Compressed entries are refused. */
kokoro_status kk_zip_entry_data(const kk_zip *zip, size_t index, const uint8_t **data, size_t *len,
                                kokoro_error *err);

/* True when data starts like a zip archive (local header or empty-archive signature). */
int kk_zip_is_zip(const uint8_t *data, size_t len);
#endif
