/* Opus in Ogg via libopusenc (RFC 7845): mono, the input rate (24 kHz) recorded in the OpusHead,
 * constant-quality VBR at the requested bitrate (default 96 kbps).
 *
 * Pages go to the sink from libopusenc's write callback. When streaming, pages are cut at most
 * every 100 ms of audio and frame decisions are made without look-ahead so the first bytes leave
 * quickly; otherwise libopusenc's defaults (larger pages) apply. At finish the encoder is drained,
 * which writes the last page with the end-of-stream flag and the final granule position — the
 * tail is never lost and decoders trim the padding exactly. */
#include <opus/opusenc.h>
#include <stdlib.h>

#include "audio/encoder.h"
#include "util/error.h"

/* A fixed Ogg serial number keeps output byte-reproducible; each file holds one logical stream,
 * so there is nothing for it to collide with. */
#define OPUS_SERIALNO 0x6b6f6b6f

typedef struct {
    OggOpusEnc *oe;
    kokoro_encoder *enc;
    int discard; /* set while freeing: nobody wants late bytes */
} opus_state;

static int on_write(void *ud, const unsigned char *ptr, opus_int32 len)
{
    opus_state *s = ud;
    if (s->discard)
        return 1;
    return kk_encoder_emit(s->enc, ptr, (size_t)len, NULL) == KOKORO_OK ? 0 : 1;
}

static int on_close(void *ud)
{
    return 0;
}

static kokoro_status opus_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    if (opt->bitrate_kbps < 6 || opt->bitrate_kbps > 510)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "opus bitrate %d kbps is outside 6..510",
                       opt->bitrate_kbps);
    if (sample_rate > 96000)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "opus cannot take a sample rate of %d Hz",
                       sample_rate);
    return KOKORO_OK;
}

static kokoro_status opus_fail(kokoro_encoder *enc, const char *what, int code, kokoro_error *err)
{
    if (enc->sink_refused)
        return kk_fail(err, KOKORO_ERR_CANCELLED, "opus encoder: the output sink stopped accepting data");
    return kk_fail(err, KOKORO_ERR_INTERNAL, "opus encoder: %s failed (%s)", what, ope_strerror(code));
}

static kokoro_status opus_open(kokoro_encoder *enc, kokoro_error *err)
{
    opus_state *s = calloc(1, sizeof *s);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an opus encoder");
    enc->codec = s;
    s->enc = enc;
    OggOpusComments *comments = ope_comments_create();
    if (!comments)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an opus encoder");
    OpusEncCallbacks cb = {on_write, on_close};
    int code = OPE_OK;
    s->oe = ope_encoder_create_callbacks(&cb, s, comments, enc->sample_rate, 1, 0, &code);
    ope_comments_destroy(comments);
    if (!s->oe)
        return opus_fail(enc, "creation", code, err);
    /* libopusenc 0.2.1 (Debian 12) reads two fields it never initialised: the requested frame
     * duration (on drain) and the stream's end position (when no audio was written). Setting
     * the default 20 ms explicitly and writing zero samples fills both. */
    static const opus_int16 no_samples[1];
    code = ope_encoder_ctl(s->oe, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS));
    if (code == OPE_OK)
        code = ope_encoder_ctl(s->oe, OPE_SET_SERIALNO(OPUS_SERIALNO));
    if (code == OPE_OK)
        code = ope_encoder_ctl(s->oe, OPUS_SET_BITRATE(enc->opt.bitrate_kbps * 1000));
    if (code == OPE_OK && enc->opt.streaming) {
        /* Both delays are counted in 48 kHz samples. */
        code = ope_encoder_ctl(s->oe, OPE_SET_MUXING_DELAY(4800));
        if (code == OPE_OK)
            code = ope_encoder_ctl(s->oe, OPE_SET_DECISION_DELAY(0));
    }
    if (code == OPE_OK)
        code = ope_encoder_write(s->oe, no_samples, 0);
    if (code != OPE_OK)
        return opus_fail(enc, "configuration", code, err);
    return KOKORO_OK;
}

static kokoro_status opus_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    opus_state *s = enc->codec;
    int code = ope_encoder_write(s->oe, pcm, (int)n);
    return code == OPE_OK && !enc->sink_refused ? KOKORO_OK : opus_fail(enc, "encoding", code, err);
}

static kokoro_status opus_finish(kokoro_encoder *enc, kokoro_error *err)
{
    opus_state *s = enc->codec;
    int code = ope_encoder_drain(s->oe);
    return code == OPE_OK && !enc->sink_refused ? KOKORO_OK : opus_fail(enc, "draining", code, err);
}

static void opus_close(kokoro_encoder *enc)
{
    opus_state *s = enc->codec;
    if (!s)
        return;
    s->discard = 1;
    if (s->oe)
        ope_encoder_destroy(s->oe);
    free(s);
    enc->codec = NULL;
}

const kk_codec kk_codec_opus = {opus_check, opus_open, opus_write, opus_finish, opus_close};
