/*
 * torch_archive — a torch.save zip file (zip + data.pkl + data/<key> storages) held in memory,
 * and "raw tensors": a checked description of where a tensor's elements lie in such a buffer
 * (dtype, shape, strides, byte order) that can be copied out as contiguous float32.
 *
 * Shared by the checkpoint loader (state dicts) and the voice loader (one tensor per file).
 */
#ifndef KOKORO_MODEL_TORCH_ARCHIVE_H
#define KOKORO_MODEL_TORCH_ARCHIVE_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "model/checkpoint.h"
#include "model/pickle.h"
#include "model/zip.h"

typedef struct {
    kk_zip zip;
    kk_pickle *pickle;
    const kk_pv *root;  /* the unpickled object */
    char *prefix;       /* archive root folder including its '/', e.g. "archive/" */
    int big_endian;     /* storages written big-endian (from the optional byteorder entry) */
} kk_torch_archive;

/* data must outlive the archive. */
kokoro_status kk_torch_open(const uint8_t *data, size_t len, kk_torch_archive *out, kokoro_error *err);
void kk_torch_close(kk_torch_archive *a);

typedef struct {
    kk_dtype dtype;
    int ndim;
    int64_t shape[KK_MAX_DIMS];
    int64_t stride[KK_MAX_DIMS]; /* in elements */
    size_t numel;
    const uint8_t *base;         /* element [0,...,0] */
    int contiguous;              /* row-major without gaps */
    int swap;                    /* bytes must be swapped to native order */
} kk_raw_tensor;

/* Resolves a KK_PV_TENSOR against the archive's storages and checks that every element of the
 * view lies inside its storage. name is used in error messages only. */
kokoro_status kk_torch_raw(const kk_torch_archive *a, const kk_pv *tensor, const char *name,
                           kk_raw_tensor *out, kokoro_error *err);

/* Copies the tensor out as contiguous native float32 (dst has numel elements). Float dtypes only. */
void kk_raw_to_f32(const kk_raw_tensor *t, float *dst);

/* IEEE half / bfloat16 bit patterns to float. */
float kk_f16_to_f32(uint16_t h);
float kk_bf16_to_f32(uint16_t h);
/* Round-to-nearest-even conversions used by `kokoro convert`. */
uint16_t kk_f32_to_f16(float f);
uint16_t kk_f32_to_bf16(float f);
#endif
