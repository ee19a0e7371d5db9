/* WAV (RIFF, PCM s16le, mono).
 *
 * Non-streamed (opt.streaming == 0): the samples are held until finish so the RIFF and data
 * sizes in the header are exact; everything reaches the sink in one piece at finish. This is the
 * form Python's `wave`, browsers and every player read correctly, and what `kokoro say` writes.
 *
 * Streamed (opt.streaming == 1): the 44-byte header goes out before the first samples, with the
 * RIFF size and data size both set to 0xFFFFFFFF, the usual convention for "length unknown, read
 * to the end" (ffmpeg, soundfile and browsers honour it; Python's `wave` reports a bogus frame
 * count). Sample data follows as soon as it is pushed. */
#include <stdlib.h>
#include <string.h>

#include "audio/encoder.h"
#include "util/error.h"

#define WAV_HEADER_BYTES 44
#define WAV_UNKNOWN_SIZE 0xFFFFFFFFu

typedef struct {
    kk_bytes held;      /* non-streamed: the sample data */
    int header_sent;    /* streamed */
    uint8_t bytes[2 * KK_ENCODER_BLOCK];
} wav_state;

static void wav_header(uint8_t h[WAV_HEADER_BYTES], int sample_rate, uint32_t riff_size, uint32_t data_size)
{
    memcpy(h, "RIFF", 4);
    kk_put_le32(h + 4, riff_size);
    memcpy(h + 8, "WAVEfmt ", 8);
    kk_put_le32(h + 16, 16);                        /* fmt chunk size */
    kk_put_le16(h + 20, 1);                         /* WAVE_FORMAT_PCM */
    kk_put_le16(h + 22, 1);                         /* mono */
    kk_put_le32(h + 24, (uint32_t)sample_rate);
    kk_put_le32(h + 28, (uint32_t)sample_rate * 2); /* byte rate */
    kk_put_le16(h + 32, 2);                         /* block align */
    kk_put_le16(h + 34, 16);                        /* bits per sample */
    memcpy(h + 36, "data", 4);
    kk_put_le32(h + 40, data_size);
}

static kokoro_status wav_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    return KOKORO_OK;
}

static kokoro_status wav_open(kokoro_encoder *enc, kokoro_error *err)
{
    enc->codec = calloc(1, sizeof(wav_state));
    if (!enc->codec)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating a wav encoder");
    return KOKORO_OK;
}

static kokoro_status send_stream_header(kokoro_encoder *enc, wav_state *s, kokoro_error *err)
{
    if (s->header_sent)
        return KOKORO_OK;
    uint8_t h[WAV_HEADER_BYTES];
    wav_header(h, enc->sample_rate, WAV_UNKNOWN_SIZE, WAV_UNKNOWN_SIZE);
    s->header_sent = 1;
    return kk_encoder_emit(enc, h, sizeof h, err);
}

static kokoro_status wav_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    wav_state *s = enc->codec;
    for (size_t i = 0; i < n; i++)
        kk_put_le16(s->bytes + 2 * i, (uint16_t)pcm[i]);
    if (enc->opt.streaming) {
        kokoro_status st = send_stream_header(enc, s, err);
        return st != KOKORO_OK ? st : kk_encoder_emit(enc, s->bytes, 2 * n, err);
    }
    if (s->held.len + 2 * n > WAV_UNKNOWN_SIZE - (WAV_HEADER_BYTES - 8))
        return kk_fail(err, KOKORO_ERR_TOO_LONG,
                       "wav: more than 4 GiB of samples do not fit a RIFF header (use streaming)");
    return kk_bytes_append(&s->held, s->bytes, 2 * n, err);
}

static kokoro_status wav_finish(kokoro_encoder *enc, kokoro_error *err)
{
    wav_state *s = enc->codec;
    if (enc->opt.streaming)
        return send_stream_header(enc, s, err);
    uint8_t h[WAV_HEADER_BYTES];
    uint32_t data_size = (uint32_t)s->held.len;
    wav_header(h, enc->sample_rate, data_size + WAV_HEADER_BYTES - 8, data_size);
    kokoro_status st = kk_encoder_emit(enc, h, sizeof h, err);
    if (st == KOKORO_OK)
        st = kk_encoder_emit(enc, s->held.data, s->held.len, err);
    kk_bytes_free(&s->held);
    return st;
}

static void wav_close(kokoro_encoder *enc)
{
    wav_state *s = enc->codec;
    if (s)
        kk_bytes_free(&s->held);
    free(s);
    enc->codec = NULL;
}

const kk_codec kk_codec_wav = {wav_check, wav_open, wav_write, wav_finish, wav_close};
