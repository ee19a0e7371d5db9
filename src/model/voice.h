/* voice — style packs (rows x dim float32) and the mix grammar. Public API in kokoro.h. */
#ifndef KOKORO_MODEL_VOICE_H
#define KOKORO_MODEL_VOICE_H
#include <stddef.h>

#include "kokoro.h"

struct kokoro_voice {
    int rows;    /* 510 for Kokoro v1.0 packs */
    int dim;     /* 256: [0, dim/2) conditions the decoder, [dim/2, dim) the prosody predictor */
    float *data; /* rows * dim, row-major */
};

/* Style row for a phoneme string of n_codepoints code points (counted before vocabulary
 * filtering): row n_codepoints - 1, clamped to [0, rows-1]. */
const float *kk_voice_row(const kokoro_voice *voice, size_t n_codepoints);
#endif
