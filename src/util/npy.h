/*
 * npy — NumPy .npy files (format 1.0/2.0/3.0), C order, little-endian float32 or int64.
 * Used by the golden tests and by --dump-dir.
 */
#ifndef KOKORO_UTIL_NPY_H
#define KOKORO_UTIL_NPY_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

#define KK_NPY_MAX_DIMS 8

typedef enum { KK_NPY_F32, KK_NPY_I64 } kk_npy_dtype;

typedef struct {
    kk_npy_dtype dtype;
    int ndim;
    int64_t shape[KK_NPY_MAX_DIMS];
    size_t numel;
    void *data; /* numel float or int64_t, malloc'd; free with kk_npy_free */
} kk_npy;

/* Reads path; dtype must be '<f4' or '<i8' and the array C-ordered. */
kokoro_status kk_npy_read(const char *path, kk_npy *out, kokoro_error *err);
/* Same from bytes in memory. */
kokoro_status kk_npy_parse(const uint8_t *bytes, size_t len, kk_npy *out, kokoro_error *err);
void kk_npy_free(kk_npy *a);

/* Writes data (numel = product of shape) as a version 1.0 .npy file. */
kokoro_status kk_npy_write(const char *path, kk_npy_dtype dtype, int ndim, const int64_t *shape, const void *data,
                           kokoro_error *err);
#endif
