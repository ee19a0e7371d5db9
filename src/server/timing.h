/* timing — return_timing: when each chunk of a response starts and ends in its audio
 * ({"chunks":[{"text","start","end"[,"voice"]}]}, pauses with empty text, as Kokoro-FastAPI's
 * sidecar), and for /dev/dialogue also each turn ({"turns":[{"voice","start","end"}]}). */
#ifndef KOKORO_SERVER_TIMING_H
#define KOKORO_SERVER_TIMING_H
#include <stddef.h>

#include "server/synth.h"

struct cJSON;
typedef struct {
    struct cJSON *root;
    double *turn_t; /* start, end per turn; -1 = no chunk yet */
    const char **turn_voice; /* borrowed from the params: the voice of each turn's first chunk */
} kk_timing;

/* 0, or -1 out of memory. */
int kk_timing_init(kk_timing *t, const kk_synth_params *p);
/* Chunk `index` of p took [start, end) seconds of the audio. */
void kk_timing_add(kk_timing *t, const kk_synth_params *p, size_t index, double start, double end);
/* The JSON text (malloc'd), turns included; NULL out of memory. */
char *kk_timing_print(kk_timing *t, const kk_synth_params *p);
void kk_timing_free(kk_timing *t);
#endif
