/*
 * checkpoint — the weights file as a flat, read-only table of named float32 tensors.
 *
 * Accepts kokoro-v1_0.pth exactly as distributed (torch zip + pickle) and the .safetensors files
 * written by `kokoro convert`. Loading normalises everything the forward pass should not care about:
 *  - names are "<component>.<key>" with the DataParallel "module." prefix removed, where component
 *    is one of bert, bert_encoder, predictor, text_encoder, decoder
 *    (e.g. "decoder.generator.ups.0.weight", "bert.embeddings.word_embeddings.weight");
 *  - weight-norm pairs (X.weight_g, X.weight_v) are folded into one plain tensor X.weight
 *    (norm over every dim except dim 0, W = v * (g / ||v||)); the _g/_v entries are not exposed;
 *  - every tensor is contiguous, row-major, float32, native endianness (views, strides and storage
 *    offsets already resolved; bf16/f16 safetensors already widened);
 *  - non-float entries (e.g. embeddings.position_ids) are dropped.
 * Invariant: after kk_checkpoint_load returns, the table and all data are immutable and may be read
 * by any number of threads.
 */
#ifndef KOKORO_MODEL_CHECKPOINT_H
#define KOKORO_MODEL_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

#define KK_MAX_DIMS 8

typedef struct {
    const char *name;
    int ndim;
    int64_t shape[KK_MAX_DIMS];
    size_t numel;
    const float *data;
} kk_tensor;

typedef struct kk_checkpoint kk_checkpoint;

kokoro_status kk_checkpoint_load(const char *path, kk_checkpoint **out, kokoro_error *err);
/* Same from bytes in memory (copied: the result does not refer to data afterwards). */
kokoro_status kk_checkpoint_load_memory(const void *data, size_t len, kk_checkpoint **out,
                                        kokoro_error *err);
void kk_checkpoint_free(kk_checkpoint *ckpt);

/* Gives back the memory of the tensor whose data is `data` (a folded or converted copy is freed;
 * one read in place from the file mapping has its pages dropped); its data becomes NULL. For
 * weights that were transformed at load and are never read again. */
void kk_checkpoint_release(kk_checkpoint *ckpt, const float *data);

/* NULL when absent. */
const kk_tensor *kk_checkpoint_find(const kk_checkpoint *ckpt, const char *name);
size_t kk_checkpoint_count(const kk_checkpoint *ckpt);
const kk_tensor *kk_checkpoint_at(const kk_checkpoint *ckpt, size_t index);

/* Looks up name and checks its shape (ndim entries of shape; -1 matches any size). On mismatch or
 * absence, fills err naming the key and the expected/actual shape and returns NULL. */
const kk_tensor *kk_checkpoint_expect(const kk_checkpoint *ckpt, const char *name, int ndim,
                                      const int64_t *shape, kokoro_error *err);
#endif
