/* AAC-LC in ADTS via libavcodec's native AAC encoder: mono, default 128 kbps.
 *
 * The encoder wants planar float frames of exactly 1024 samples, so pushed samples are gathered
 * here until a frame is full; each packet it returns is sent at once behind its own 7-byte ADTS
 * header (no CRC), which makes the stream decodable from any frame boundary. ADTS cannot signal
 * the encoder's 1024-sample priming delay, so decoders play that much extra silence first.
 * FFmpeg is reached only through the table of audio/libav.h, loaded by the first encoder. */
#include <libavutil/log.h>
#include <stdlib.h>
#include <string.h>

#include "audio/encoder.h"
#include "audio/libav.h"
#include "util/error.h"

#define ADTS_HEADER_BYTES 7
#define ADTS_MAX_FRAME 8191 /* 13-bit frame_length */

static const int adts_rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                 22050, 16000, 12000, 11025, 8000,  7350};

typedef struct {
    const kk_libav *av;
    AVCodecContext *ctx;
    AVFrame *frame;
    AVPacket *pkt;
    int rate_index;
    int frame_size;
    int fill;      /* samples gathered in pending */
    int64_t pts;
    float *pending;
    uint8_t out[ADTS_MAX_FRAME];
} aac_state;

static int rate_index(int rate)
{
    for (int i = 0; i < (int)(sizeof adts_rates / sizeof *adts_rates); i++)
        if (adts_rates[i] == rate)
            return i;
    return -1;
}

static kokoro_status aac_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    if (rate_index(sample_rate) < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "aac cannot carry a sample rate of %d Hz",
                       sample_rate);
    /* An AAC frame holds at most 6144 bits per channel. */
    long max_kbps = 6144L * sample_rate / 1024 / 1000;
    if (opt->bitrate_kbps < 8 || opt->bitrate_kbps > max_kbps)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "aac bitrate %d kbps is outside 8..%ld at %d Hz",
                       opt->bitrate_kbps, max_kbps, sample_rate);
    return KOKORO_OK;
}

static kokoro_status av_fail(const aac_state *s, const char *what, int code, kokoro_error *err)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    s->av->av_strerror(code, msg, sizeof msg);
    return kk_fail(err, code == AVERROR(ENOMEM) ? KOKORO_ERR_NO_MEMORY : KOKORO_ERR_INTERNAL,
                   "aac encoder: %s failed (%s)", what, msg);
}

static kokoro_status aac_open(kokoro_encoder *enc, kokoro_error *err)
{
    const kk_libav *av = kk_libav_get(err);
    if (!av)
        return KOKORO_ERR_UNSUPPORTED;
    aac_state *s = calloc(1, sizeof *s);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an aac encoder");
    enc->codec = s;
    s->av = av;
    s->rate_index = rate_index(enc->sample_rate);
    const AVCodec *codec = s->av->avcodec_find_encoder_by_name("aac");
    if (!codec)
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "aac encoder: libavcodec was built without its aac encoder");
    s->ctx = s->av->avcodec_alloc_context3(codec);
    s->frame = s->av->av_frame_alloc();
    s->pkt = s->av->av_packet_alloc();
    if (!s->ctx || !s->frame || !s->pkt)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an aac encoder");
    s->ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
    s->ctx->sample_rate = enc->sample_rate;
    s->ctx->bit_rate = (int64_t)enc->opt.bitrate_kbps * 1000;
    s->ctx->profile = FF_PROFILE_AAC_LOW;
    s->ctx->time_base = (AVRational){1, enc->sample_rate};
    s->av->av_channel_layout_default(&s->ctx->ch_layout, 1);
    /* The encoder logs statistics and queue warnings on close (also when a client hangs up);
     * our return codes carry every failure, so shift its messages two levels down: only its
     * errors still reach the application's log. This touches no global libav setting. */
    s->ctx->log_level_offset = AV_LOG_VERBOSE - AV_LOG_WARNING;
    int code = s->av->avcodec_open2(s->ctx, codec, NULL);
    if (code < 0)
        return av_fail(s, "opening the codec", code, err);
    s->frame_size = s->ctx->frame_size > 0 ? s->ctx->frame_size : 1024;
    s->pending = malloc(sizeof(float) * (size_t)s->frame_size);
    if (!s->pending)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an aac encoder");
    return KOKORO_OK;
}

static void adts_header(uint8_t h[ADTS_HEADER_BYTES], int rate_index, size_t frame_len)
{
    const int profile = 1; /* AAC-LC: audio object type 2, minus one */
    const int channels = 1;
    h[0] = 0xFF;
    h[1] = 0xF1; /* MPEG-4, layer 0, no CRC */
    h[2] = (uint8_t)((profile << 6) | (rate_index << 2) | (channels >> 2));
    h[3] = (uint8_t)(((channels & 3) << 6) | (frame_len >> 11));
    h[4] = (uint8_t)((frame_len >> 3) & 0xFF);
    h[5] = (uint8_t)(((frame_len & 7) << 5) | 0x1F); /* buffer fullness 0x7FF: variable rate */
    h[6] = 0xFC;
}

/* Sends every packet the codec has ready. */
static kokoro_status drain_packets(kokoro_encoder *enc, aac_state *s, kokoro_error *err)
{
    for (;;) {
        int code = s->av->avcodec_receive_packet(s->ctx, s->pkt);
        if (code == AVERROR(EAGAIN) || code == AVERROR_EOF)
            return KOKORO_OK;
        if (code < 0)
            return av_fail(s, "encoding", code, err);
        size_t len = (size_t)s->pkt->size + ADTS_HEADER_BYTES;
        if (len > ADTS_MAX_FRAME) {
            s->av->av_packet_unref(s->pkt);
            return kk_fail(err, KOKORO_ERR_INTERNAL, "aac encoder: a %zu-byte frame does not fit ADTS", len);
        }
        adts_header(s->out, s->rate_index, len);
        memcpy(s->out + ADTS_HEADER_BYTES, s->pkt->data, (size_t)s->pkt->size);
        s->av->av_packet_unref(s->pkt);
        kokoro_status st = kk_encoder_emit(enc, s->out, len, err);
        if (st != KOKORO_OK)
            return st;
    }
}

static kokoro_status send_pending(kokoro_encoder *enc, aac_state *s, kokoro_error *err)
{
    AVFrame *f = s->frame;
    s->av->av_frame_unref(f);
    f->format = AV_SAMPLE_FMT_FLTP;
    f->sample_rate = enc->sample_rate;
    f->nb_samples = s->fill;
    int code = s->av->av_channel_layout_copy(&f->ch_layout, &s->ctx->ch_layout);
    if (code >= 0)
        code = s->av->av_frame_get_buffer(f, 0);
    if (code < 0)
        return av_fail(s, "allocating a frame", code, err);
    memcpy(f->data[0], s->pending, sizeof(float) * (size_t)s->fill);
    f->pts = s->pts;
    s->pts += s->fill;
    s->fill = 0;
    code = s->av->avcodec_send_frame(s->ctx, f);
    if (code < 0)
        return av_fail(s, "encoding", code, err);
    return drain_packets(enc, s, err);
}

static kokoro_status aac_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    aac_state *s = enc->codec;
    for (size_t i = 0; i < n;) {
        while (i < n && s->fill < s->frame_size)
            s->pending[s->fill++] = (float)pcm[i++] * (1.0f / 32768.0f);
        if (s->fill == s->frame_size) {
            kokoro_status st = send_pending(enc, s, err);
            if (st != KOKORO_OK)
                return st;
        }
    }
    return KOKORO_OK;
}

static kokoro_status aac_finish(kokoro_encoder *enc, kokoro_error *err)
{
    aac_state *s = enc->codec;
    if (s->fill > 0) {
        /* A short last frame is allowed only when the codec says so; otherwise pad with silence. */
        if (!(s->ctx->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME)) {
            memset(s->pending + s->fill, 0, sizeof(float) * (size_t)(s->frame_size - s->fill));
            s->fill = s->frame_size;
        }
        kokoro_status st = send_pending(enc, s, err);
        if (st != KOKORO_OK)
            return st;
    }
    int code = s->av->avcodec_send_frame(s->ctx, NULL);
    if (code < 0)
        return av_fail(s, "flushing", code, err);
    return drain_packets(enc, s, err);
}

static void aac_close(kokoro_encoder *enc)
{
    aac_state *s = enc->codec;
    if (!s)
        return;
    s->av->avcodec_free_context(&s->ctx);
    s->av->av_frame_free(&s->frame);
    s->av->av_packet_free(&s->pkt);
    free(s->pending);
    free(s);
    enc->codec = NULL;
}

const kk_codec kk_codec_aac = {aac_check, aac_open, aac_write, aac_finish, aac_close};
