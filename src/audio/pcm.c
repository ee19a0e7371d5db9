/* Raw PCM: s16le mono samples with no header, passed on as soon as they are pushed. */
#include <stdlib.h>

#include "audio/encoder.h"
#include "util/error.h"

typedef struct {
    uint8_t bytes[2 * KK_ENCODER_BLOCK];
} pcm_state;

static kokoro_status pcm_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    return KOKORO_OK;
}

static kokoro_status pcm_open(kokoro_encoder *enc, kokoro_error *err)
{
    enc->codec = malloc(sizeof(pcm_state));
    if (!enc->codec)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating a pcm encoder");
    return KOKORO_OK;
}

static kokoro_status pcm_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    pcm_state *s = enc->codec;
    for (size_t i = 0; i < n; i++)
        kk_put_le16(s->bytes + 2 * i, (uint16_t)pcm[i]);
    return kk_encoder_emit(enc, s->bytes, 2 * n, err);
}

static kokoro_status pcm_finish(kokoro_encoder *enc, kokoro_error *err)
{
    return KOKORO_OK;
}

static void pcm_close(kokoro_encoder *enc)
{
    free(enc->codec);
    enc->codec = NULL;
}

const kk_codec kk_codec_pcm = {pcm_check, pcm_open, pcm_write, pcm_finish, pcm_close};
