/*
 * safetensors — the header of a .safetensors file (8-byte little-endian header length, JSON
 * header, then the raw little-endian tensor bytes) and a writer for `kokoro convert`.
 */
#ifndef KOKORO_MODEL_SAFETENSORS_H
#define KOKORO_MODEL_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "model/checkpoint.h"
#include "model/pickle.h" /* kk_dtype */

typedef struct {
    char *name;
    kk_dtype dtype;
    int ndim;
    int64_t shape[KK_MAX_DIMS];
    size_t numel;
    const uint8_t *data; /* points into the file buffer */
} kk_st_tensor;

typedef struct {
    kk_st_tensor *tensors;
    size_t n;
} kk_st_header;

/* True when data looks like a safetensors file (plausible header length followed by '{'). */
int kk_st_is_safetensors(const uint8_t *data, size_t len);

/* Parses and validates the header against the buffer (offsets, sizes, overlaps are checked). */
kokoro_status kk_st_parse(const uint8_t *data, size_t len, kk_st_header *out, kokoro_error *err);
void kk_st_header_free(kk_st_header *h);

/* Writes every tensor of ckpt to path as dtype (KK_DT_F32, KK_DT_BF16 or KK_DT_F16), with
 * __metadata__ entries describing the source. The file is written to a temporary name and renamed
 * into place, so a failed write never leaves a partial file behind. */
kokoro_status kk_st_write(const char *path, const kk_checkpoint *ckpt, kk_dtype dtype, const char *source_name,
                          kokoro_error *err);
#endif
