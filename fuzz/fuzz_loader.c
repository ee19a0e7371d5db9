/* Fuzzes the weight and voice loaders from memory: zip directory and local headers, the pickle
 * machine, tensor views against their storages, weight-norm folding, safetensors headers, and the
 * voice-pack shapes. Any input must either load into a well-formed table or fail with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "model/voice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kk_checkpoint *ck = NULL;
    kokoro_error err;
    if (kk_checkpoint_load_memory(data, size, &ck, &err) == KOKORO_OK) {
        /* Touch every element so that a wrong extent is caught by ASan; check names are unique
         * and findable. */
        volatile float sink = 0;
        for (size_t i = 0; i < kk_checkpoint_count(ck); i++) {
            const kk_tensor *t = kk_checkpoint_at(ck, i);
            size_t n = 1;
            for (int d = 0; d < t->ndim; d++)
                n *= (size_t)t->shape[d];
            if (n != t->numel || kk_checkpoint_find(ck, t->name) != t)
                abort();
            for (size_t k = 0; k < t->numel; k++)
                sink += t->data[k];
        }
        (void)sink;
        kk_checkpoint_free(ck);
    } else if (err.message[0] == '\0' || err.code == KOKORO_OK) {
        abort();
    }
    kokoro_voice *v = NULL;
    if (kk_voice_parse(data, size, "fuzz", &v, &err) == KOKORO_OK) {
        if (v->rows < 1 || v->dim < 1)
            abort();
        volatile float sink = kk_voice_row(v, 0)[0] + kk_voice_row(v, (size_t)-1)[v->dim - 1];
        (void)sink;
        kokoro_voice_free(v);
    } else if (err.message[0] == '\0') {
        abort();
    }
    return 0;
}
