/* pt_writer — writes a voice pack as PyTorch saves a tensor: a stored (uncompressed) zip holding
 * a protocol-2 pickle of one float32 tensor [rows, 1, dim] and its raw little-endian storage.
 * torch.load and kokoro_voice_load both read the result. */
#ifndef KOKORO_MODEL_PT_WRITER_H
#define KOKORO_MODEL_PT_WRITER_H
#include <stddef.h>
#include <stdint.h>

#include "model/voice.h"

/* *out is malloc'd (free()). */
kokoro_status kk_voice_write_pt(const kokoro_voice *voice, uint8_t **out, size_t *len, kokoro_error *err);
#endif
