/*
 * config — the model's config.json. Every dimension of the forward pass comes from here or from
 * tensor shapes; nothing is hard-coded to the full-size model's widths.
 */
#ifndef KOKORO_MODEL_CONFIG_H
#define KOKORO_MODEL_CONFIG_H
#include <stdint.h>

#include "kokoro.h"

#define KK_MAX_UPSAMPLES 4
#define KK_MAX_RESBLOCK_KERNELS 4
#define KK_MAX_DILATIONS 4
#define KK_VOCAB_MAX_CODEPOINT 0x10000 /* every Kokoro symbol is in the BMP (U+AB67 is the highest in v1.0) */

typedef struct {
    /* top level */
    int n_token, hidden_dim, style_dim, n_layer, max_dur, text_encoder_kernel_size, n_mels;
    /* plbert (ALBERT); embedding_size is 128 unless config.json says otherwise */
    int albert_hidden, albert_heads, albert_intermediate, albert_layers, albert_max_positions,
        albert_embedding_size;
    /* istftnet */
    int n_upsamples;
    int upsample_rates[KK_MAX_UPSAMPLES];
    int upsample_kernel_sizes[KK_MAX_UPSAMPLES];
    int n_resblock_kernels;
    int resblock_kernel_sizes[KK_MAX_RESBLOCK_KERNELS];
    int n_dilations; /* dilations per resblock (3) */
    int resblock_dilations[KK_MAX_RESBLOCK_KERNELS][KK_MAX_DILATIONS];
    int upsample_initial_channel, istft_n_fft, istft_hop;
    /* vocab: code point -> token id, -1 where absent */
    int16_t vocab[KK_VOCAB_MAX_CODEPOINT];
    int vocab_size;
} kk_config;

kokoro_status kk_config_load(const char *path, kk_config *out, kokoro_error *err);
/* Same, from a JSON text in memory (len bytes). */
kokoro_status kk_config_parse(const char *json, size_t len, kk_config *out, kokoro_error *err);

/* Token id of a code point, or -1 if it is not in the vocabulary. */
int kk_config_token_id(const kk_config *cfg, uint32_t codepoint);
#endif
