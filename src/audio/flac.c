/* FLAC via libFLAC's stream encoder: 16-bit mono, verify off, compression level 0..8 (default 5).
 *
 * Streamed: bytes go to the sink from libFLAC's write callback as each frame is completed; the
 * STREAMINFO block then says "total samples unknown" and carries no MD5 (the stream cannot be
 * rewound), which every decoder accepts. Non-streamed: the output is held in memory and libFLAC
 * is given seek/tell on it, so at finish it completes STREAMINFO (sample count, MD5, frame sizes)
 * before the whole file reaches the sink; players then know the duration and can seek. */
#include <FLAC/stream_encoder.h>
#include <stdlib.h>
#include <string.h>

#include "audio/encoder.h"
#include "util/error.h"

typedef struct {
    FLAC__StreamEncoder *fe;
    kokoro_encoder *enc;
    kk_bytes held; /* non-streamed output */
    size_t pos;    /* libFLAC's write position in held */
    kokoro_status held_status;
    int discard; /* set while freeing: libFLAC may still flush, nobody wants those bytes */
    FLAC__int32 wide[KK_ENCODER_BLOCK];
} flac_state;

static FLAC__StreamEncoderWriteStatus on_write(const FLAC__StreamEncoder *fe, const FLAC__byte buffer[],
                                               size_t bytes, uint32_t samples, uint32_t frame, void *ud)
{
    flac_state *s = ud;
    if (s->discard)
        return FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR;
    if (s->enc->opt.streaming)
        return kk_encoder_emit(s->enc, buffer, bytes, NULL) == KOKORO_OK
                   ? FLAC__STREAM_ENCODER_WRITE_STATUS_OK
                   : FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR;
    /* libFLAC rewrites STREAMINFO after seeking back, so writes may land inside the buffer. */
    size_t overlap = s->held.len - s->pos < bytes ? s->held.len - s->pos : bytes;
    if (overlap)
        memcpy(s->held.data + s->pos, buffer, overlap);
    if (overlap < bytes) {
        s->held_status = kk_bytes_append(&s->held, buffer + overlap, bytes - overlap, NULL);
        if (s->held_status != KOKORO_OK)
            return FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR;
    }
    s->pos += bytes;
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

static FLAC__StreamEncoderSeekStatus on_seek(const FLAC__StreamEncoder *fe, FLAC__uint64 offset, void *ud)
{
    flac_state *s = ud;
    if (offset > s->held.len)
        return FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR;
    s->pos = (size_t)offset;
    return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
}

static FLAC__StreamEncoderTellStatus on_tell(const FLAC__StreamEncoder *fe, FLAC__uint64 *offset, void *ud)
{
    flac_state *s = ud;
    *offset = s->pos;
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}

static kokoro_status flac_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    if (opt->compression_level < 0 || opt->compression_level > 8)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "flac compression level %d is outside 0..8",
                       opt->compression_level);
    return KOKORO_OK;
}

static kokoro_status flac_error(flac_state *s, const char *what, kokoro_error *err)
{
    if (s->enc->sink_refused)
        return kk_fail(err, KOKORO_ERR_CANCELLED, "flac encoder: the output sink stopped accepting data");
    if (s->held_status == KOKORO_ERR_NO_MEMORY)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "flac encoder: out of memory buffering output");
    FLAC__StreamEncoderState state = FLAC__stream_encoder_get_state(s->fe);
    return kk_fail(err, KOKORO_ERR_INTERNAL, "flac encoder: %s failed (%s)", what,
                   FLAC__StreamEncoderStateString[state]);
}

static kokoro_status flac_open(kokoro_encoder *enc, kokoro_error *err)
{
    flac_state *s = calloc(1, sizeof *s);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating a flac encoder");
    enc->codec = s;
    s->enc = enc;
    s->fe = FLAC__stream_encoder_new();
    if (!s->fe)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating a flac encoder");
    FLAC__bool ok = FLAC__stream_encoder_set_verify(s->fe, false) &&
                    FLAC__stream_encoder_set_compression_level(s->fe, (uint32_t)enc->opt.compression_level) &&
                    FLAC__stream_encoder_set_channels(s->fe, 1) &&
                    FLAC__stream_encoder_set_bits_per_sample(s->fe, 16) &&
                    FLAC__stream_encoder_set_sample_rate(s->fe, (uint32_t)enc->sample_rate);
    if (!ok)
        return flac_error(s, "configuration", err);
    FLAC__StreamEncoderInitStatus init =
        enc->opt.streaming ? FLAC__stream_encoder_init_stream(s->fe, on_write, NULL, NULL, NULL, s)
                           : FLAC__stream_encoder_init_stream(s->fe, on_write, on_seek, on_tell, NULL, s);
    if (init != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
        if (init == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR)
            return flac_error(s, "initialisation", err);
        return kk_fail(err, KOKORO_ERR_INTERNAL, "flac encoder: initialisation failed (%s)",
                       FLAC__StreamEncoderInitStatusString[init]);
    }
    return KOKORO_OK;
}

static kokoro_status flac_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    flac_state *s = enc->codec;
    for (size_t i = 0; i < n; i++)
        s->wide[i] = pcm[i];
    if (!FLAC__stream_encoder_process_interleaved(s->fe, s->wide, (uint32_t)n))
        return flac_error(s, "encoding", err);
    return KOKORO_OK;
}

static kokoro_status flac_finish(kokoro_encoder *enc, kokoro_error *err)
{
    flac_state *s = enc->codec;
    if (!FLAC__stream_encoder_finish(s->fe))
        return flac_error(s, "finishing the stream", err);
    if (enc->opt.streaming)
        return KOKORO_OK;
    kokoro_status st = kk_encoder_emit(enc, s->held.data, s->held.len, err);
    kk_bytes_free(&s->held);
    return st;
}

static void flac_close(kokoro_encoder *enc)
{
    flac_state *s = enc->codec;
    if (!s)
        return;
    s->discard = 1;
    if (s->fe)
        FLAC__stream_encoder_delete(s->fe);
    kk_bytes_free(&s->held);
    free(s);
    enc->codec = NULL;
}

const kk_codec kk_codec_flac = {flac_check, flac_open, flac_write, flac_finish, flac_close};
