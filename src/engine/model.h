/* model — struct kokoro_model (Config + Weights) and the ways to build one. */
#ifndef KOKORO_ENGINE_MODEL_H
#define KOKORO_ENGINE_MODEL_H
#include <stdint.h>

#include "engine/weights.h"
#include "kokoro.h"
#include "model/checkpoint.h"

struct kokoro_model {
    kk_weights w;       /* points into ckpt or into owned */
    kk_checkpoint *ckpt; /* set when loaded from a file */
    float **owned;       /* tensors owned by the model itself (random model) */
    size_t n_owned;
    size_t n_params;
    struct kk_backend *backend; /* NULL: the CPU engine (engine/backend.h) */
    struct kk_scratch_cache *scratch; /* calls' scratch kept between calls (may be NULL) */
};

/* A model with the dimensions of cfg and seeded random weights (for `kokoro bench` without a
 * checkpoint). Widths the config does not give are those of Kokoro-82M: decoder 1024, asr_res 64.
 * The duration projection is biased so that tokens last about 4 frames, F0 sits around 150 Hz. */
kokoro_status kk_model_random(const kk_config *cfg, uint64_t seed, kokoro_model **out,
                              kokoro_error *err);

/* The config.json dimensions of Kokoro-82M v1.0 (vocabulary included). */
void kk_config_kokoro82m(kk_config *cfg);

/* kokoro_synthesize that also returns the per-module wall times (seconds, KK_T_COUNT entries)
 * and the bytes of scratch the call held at its peak (both may be NULL); for the benchmark. */
kokoro_status kk_synthesize_timed(const kokoro_model *model, const kokoro_voice *voice,
                                  const char *phonemes, const kokoro_synth_options *opt,
                                  kokoro_audio *out, double *seconds, size_t *arena_bytes,
                                  kokoro_error *err);
#endif
