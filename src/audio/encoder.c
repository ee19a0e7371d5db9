/* Public streaming-encoder API: format names, options, volume and int16 conversion, dispatch to
 * one codec backend per format. */
#include "audio/encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

enum { ENC_OPEN, ENC_FINISHED, ENC_FAILED };

static const struct {
    kokoro_format format;
    const char *name;
    const char *mime;
    const kk_codec *ops;
    int default_kbps;
} formats[] = {
    {KOKORO_FORMAT_MP3, "mp3", "audio/mpeg", &kk_codec_mp3, 128},
    {KOKORO_FORMAT_OPUS, "opus", "audio/opus", &kk_codec_opus, 96},
    {KOKORO_FORMAT_AAC, "aac", "audio/aac", &kk_codec_aac, 128},
    {KOKORO_FORMAT_FLAC, "flac", "audio/flac", &kk_codec_flac, 0},
    {KOKORO_FORMAT_WAV, "wav", "audio/wav", &kk_codec_wav, 0},
    {KOKORO_FORMAT_PCM, "pcm", "audio/pcm", &kk_codec_pcm, 0},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static int format_index(kokoro_format format)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].format == format)
            return (int)i;
    return -1;
}

kokoro_status kokoro_format_from_name(const char *name, kokoro_format *out, kokoro_error *err)
{
    if (!name || !out)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "audio format name is missing");
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = formats[i].format;
            kk_error_clear(err);
            return KOKORO_OK;
        }
    }
    return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                   "unknown audio format '%.64s' (expected mp3, opus, aac, flac, wav or pcm)", name);
}

const char *kokoro_format_name(kokoro_format format)
{
    int i = format_index(format);
    return i < 0 ? NULL : formats[i].name;
}

const char *kokoro_format_mime(kokoro_format format)
{
    int i = format_index(format);
    return i < 0 ? NULL : formats[i].mime;
}

void kokoro_encoder_options_init(kokoro_encoder_options *opt)
{
    if (!opt)
        return;
    opt->bitrate_kbps = 0;
    opt->compression_level = -1;
    opt->streaming = 0;
    opt->volume = 1.0f;
}

void kk_float_to_s16(const float *in, size_t n, float gain, int16_t *out)
{
    for (size_t i = 0; i < n; i++) {
        float v = in[i] * gain * 32767.0f;
        if (v >= 32767.0f)
            out[i] = 32767;
        else if (v <= -32768.0f)
            out[i] = -32768;
        else if (v == v)
            out[i] = (int16_t)lrintf(v);
        else
            out[i] = 0; /* NaN: silence rather than whatever the cast would give */
    }
}

kokoro_status kk_encoder_emit(kokoro_encoder *enc, const uint8_t *data, size_t len, kokoro_error *err)
{
    if (len == 0)
        return KOKORO_OK;
    if (enc->sink_refused || enc->sink(enc->sink_ctx, data, len) != 0) {
        enc->sink_refused = 1;
        return kk_fail(err, KOKORO_ERR_CANCELLED, "%s encoder: the output sink stopped accepting data",
                       kokoro_format_name(enc->format));
    }
    return KOKORO_OK;
}

kokoro_status kk_bytes_append(kk_bytes *b, const void *data, size_t len, kokoro_error *err)
{
    if (len > SIZE_MAX - b->len)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "encoded audio too large to buffer");
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len)
            cap = cap > SIZE_MAX / 2 ? b->len + len : cap * 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory buffering %zu bytes of audio",
                           b->len + len);
        b->data = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return KOKORO_OK;
}

void kk_bytes_free(kk_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

kokoro_status kokoro_encoder_open(kokoro_format format, int sample_rate,
                                  const kokoro_encoder_options *opt, kokoro_sink sink, void *ctx,
                                  kokoro_encoder **out, kokoro_error *err)
{
    if (!out)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "encoder output pointer is NULL");
    *out = NULL;
    int fi = format_index(format);
    if (fi < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "unknown audio format code %d", (int)format);
    if (!sink)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "encoder needs a sink for its output");
    if (sample_rate < 8000 || sample_rate > 192000)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "sample rate %d Hz is outside 8000..192000", sample_rate);

    kokoro_encoder_options o;
    kokoro_encoder_options_init(&o);
    if (opt)
        o = *opt;
    if (!isfinite(o.volume) || o.volume < 0.0f)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "volume multiplier must be a finite number >= 0");
    if (o.bitrate_kbps < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "bitrate %d kbps is negative", o.bitrate_kbps);
    if (o.bitrate_kbps == 0)
        o.bitrate_kbps = formats[fi].default_kbps;
    if (o.compression_level == -1)
        o.compression_level = 5;
    o.streaming = o.streaming ? 1 : 0;

    const kk_codec *ops = formats[fi].ops;
    kokoro_status st = ops->check(&o, sample_rate, err);
    if (st != KOKORO_OK)
        return st;

    kokoro_encoder *enc = calloc(1, sizeof *enc);
    if (!enc)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating a %s encoder", formats[fi].name);
    enc->format = format;
    enc->sample_rate = sample_rate;
    enc->opt = o;
    enc->sink = sink;
    enc->sink_ctx = ctx;
    enc->ops = ops;
    enc->state = ENC_OPEN;
    st = ops->open(enc, err);
    if (st != KOKORO_OK) {
        ops->close(enc);
        free(enc);
        return st;
    }
    *out = enc;
    kk_error_clear(err);
    return KOKORO_OK;
}

static kokoro_status check_open(kokoro_encoder *enc, kokoro_error *err)
{
    if (!enc)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "encoder is NULL");
    if (enc->state == ENC_FINISHED)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "%s encoder is already finished",
                       kokoro_format_name(enc->format));
    if (enc->state == ENC_FAILED)
        return kk_fail(err, enc->sink_refused ? KOKORO_ERR_CANCELLED : KOKORO_ERR_INVALID_ARGUMENT,
                       "%s encoder stopped after an earlier error", kokoro_format_name(enc->format));
    return KOKORO_OK;
}

kokoro_status kokoro_encoder_push(kokoro_encoder *enc, const float *samples, size_t n, kokoro_error *err)
{
    kokoro_status st = check_open(enc, err);
    if (st != KOKORO_OK)
        return st;
    if (n && !samples)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "%zu samples pushed from a NULL buffer", n);
    for (size_t off = 0; off < n;) {
        size_t m = n - off < KK_ENCODER_BLOCK ? n - off : KK_ENCODER_BLOCK;
        kk_float_to_s16(samples + off, m, enc->opt.volume, enc->block);
        st = enc->ops->write(enc, enc->block, m, err);
        if (st != KOKORO_OK) {
            enc->state = ENC_FAILED;
            return st;
        }
        off += m;
    }
    kk_error_clear(err);
    return KOKORO_OK;
}

kokoro_status kokoro_encoder_finish(kokoro_encoder *enc, kokoro_error *err)
{
    kokoro_status st = check_open(enc, err);
    if (st != KOKORO_OK)
        return st;
    st = enc->ops->finish(enc, err);
    enc->state = st == KOKORO_OK ? ENC_FINISHED : ENC_FAILED;
    if (st == KOKORO_OK)
        kk_error_clear(err);
    return st;
}

void kokoro_encoder_free(kokoro_encoder *enc)
{
    if (!enc)
        return;
    enc->ops->close(enc);
    free(enc);
}
