/* Internal side of the streaming audio encoders (public API: kokoro.h, "audio out").
 *
 * encoder.c owns the kokoro_encoder object: it validates options, applies the volume, converts
 * float PCM to int16 with clipping and feeds bounded blocks to one codec backend. Each backend
 * (wav.c, pcm.c, flac.c, mp3.c, opus.c, aac.c) only turns int16 samples into bytes and hands
 * them to kk_encoder_emit() as soon as its library produces them. */
#ifndef KOKORO_AUDIO_ENCODER_H
#define KOKORO_AUDIO_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"

/* Largest block a backend's write() receives; keeps the conversion buffer fixed-size. */
#define KK_ENCODER_BLOCK 4096

typedef struct kk_codec {
    /* Checks the options that matter to this format (sample rate, bitrate, level). */
    kokoro_status (*check)(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err);
    /* Creates enc->codec (backend state). */
    kokoro_status (*open)(kokoro_encoder *enc, kokoro_error *err);
    /* Encodes n (<= KK_ENCODER_BLOCK) samples. */
    kokoro_status (*write)(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err);
    /* Flushes the codec, writes trailers (and, when buffering, everything). */
    kokoro_status (*finish)(kokoro_encoder *enc, kokoro_error *err);
    /* Releases enc->codec; called once, whatever state the encoder is in. */
    void (*close)(kokoro_encoder *enc);
} kk_codec;

struct kokoro_encoder {
    kokoro_format format;
    int sample_rate;
    kokoro_encoder_options opt; /* defaults resolved: bitrate and level are real values */
    kokoro_sink sink;
    void *sink_ctx;
    const kk_codec *ops;
    void *codec;                /* backend state */
    int sink_refused;           /* the sink asked to stop */
    int state;                  /* see encoder.c */
    int16_t block[KK_ENCODER_BLOCK];
};

extern const kk_codec kk_codec_wav, kk_codec_pcm, kk_codec_flac, kk_codec_mp3, kk_codec_opus,
    kk_codec_aac;

/* Hands bytes to the caller's sink. Returns KOKORO_ERR_CANCELLED (and remembers it) when the
 * sink refuses them. */
kokoro_status kk_encoder_emit(kokoro_encoder *enc, const uint8_t *data, size_t len, kokoro_error *err);

/* x * gain * 32767, rounded to nearest and clipped to [-32768, 32767] (NaN becomes 0): the
 * conversion every format goes through, exposed so tests can predict lossless output exactly. */
void kk_float_to_s16(const float *in, size_t n, float gain, int16_t *out);

/* A growable byte buffer for the formats that hold their output until finish (non-streamed wav,
 * flac and mp3, whose headers are completed at the end). */
typedef struct {
    uint8_t *data;
    size_t len, cap;
} kk_bytes;

kokoro_status kk_bytes_append(kk_bytes *b, const void *data, size_t len, kokoro_error *err);
void kk_bytes_free(kk_bytes *b);

static inline void kk_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void kk_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
#endif
