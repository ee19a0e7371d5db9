/* MP3 via libmp3lame: mono, constant bitrate (default 128 kbps), LAME quality 5.
 *
 * Quality 5 rather than LAME's default 3: at 24 kHz the noise shaping of qualities 0..4 turned
 * loud tones near 7.9 kHz and above 10 kHz into noise in our round-trip tests, and 5 is faster.
 * (LAME also scales its output by about 0.95, which caps the plain SNR of any signal at 26 dB.)
 *
 * Streamed: frames go to the sink as LAME completes them, with no Xing/LAME tag frame (a tag
 * written up front would claim a wrong length; players such as iOS mis-time streams that carry
 * one). Non-streamed: output is held until finish so the first frame can be LAME's "Info" tag
 * with the real frame count and the encoder delay/padding, which lets decoders trim the codec
 * delay and report the exact duration. */
#include <lame/lame.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audio/encoder.h"
#include "util/error.h"

/* LAME's documented worst case for one call: 1.25 * samples + 7200 bytes. */
#define MP3_OUT_BYTES (KK_ENCODER_BLOCK + KK_ENCODER_BLOCK / 4 + 7200)

typedef struct {
    lame_t lame;
    kk_bytes held; /* non-streamed output */
    unsigned char out[MP3_OUT_BYTES];
} mp3_state;

/* LAME fills a process-wide table on its first lame_init() without a lock; doing that once,
 * before any encoder exists, keeps concurrent server requests from racing on it. */
static pthread_once_t lame_tables_once = PTHREAD_ONCE_INIT;

static void lame_tables_init(void)
{
    lame_t warm = lame_init();
    if (warm)
        lame_close(warm);
}

static int in_list(int v, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

static kokoro_status mp3_check(const kokoro_encoder_options *opt, int sample_rate, kokoro_error *err)
{
    static const int mpeg1_rates[] = {32000, 44100, 48000};
    static const int mpeg2_rates[] = {16000, 22050, 24000};
    static const int mpeg25_rates[] = {8000, 11025, 12000};
    static const int mpeg1_kbps[] = {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
    static const int mpeg2_kbps[] = {8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
    const int *kbps;
    size_t nk;
    if (in_list(sample_rate, mpeg1_rates, 3)) {
        kbps = mpeg1_kbps;
        nk = sizeof mpeg1_kbps / sizeof *mpeg1_kbps;
    } else if (in_list(sample_rate, mpeg2_rates, 3)) {
        kbps = mpeg2_kbps;
        nk = sizeof mpeg2_kbps / sizeof *mpeg2_kbps;
    } else if (in_list(sample_rate, mpeg25_rates, 3)) {
        kbps = mpeg2_kbps;
        nk = 8; /* MPEG-2.5 stops at 64 kbps */
    } else {
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "mp3 cannot carry a sample rate of %d Hz",
                       sample_rate);
    }
    if (!in_list(opt->bitrate_kbps, kbps, nk))
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "mp3 at %d Hz has no %d kbps bitrate (%d..%d kbps in MPEG steps)", sample_rate,
                       opt->bitrate_kbps, kbps[0], kbps[nk - 1]);
    return KOKORO_OK;
}

static kokoro_status mp3_open(kokoro_encoder *enc, kokoro_error *err)
{
    mp3_state *s = calloc(1, sizeof *s);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an mp3 encoder");
    enc->codec = s;
    pthread_once(&lame_tables_once, lame_tables_init);
    s->lame = lame_init();
    if (!s->lame)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory creating an mp3 encoder");
    lame_set_in_samplerate(s->lame, enc->sample_rate);
    lame_set_out_samplerate(s->lame, enc->sample_rate);
    lame_set_num_channels(s->lame, 1);
    lame_set_mode(s->lame, MONO);
    lame_set_VBR(s->lame, vbr_off);
    lame_set_brate(s->lame, enc->opt.bitrate_kbps);
    lame_set_quality(s->lame, 5);
    lame_set_bWriteVbrTag(s->lame, enc->opt.streaming ? 0 : 1);
    if (lame_init_params(s->lame) < 0)
        return kk_fail(err, KOKORO_ERR_INTERNAL, "mp3 encoder: LAME rejected %d Hz at %d kbps",
                       enc->sample_rate, enc->opt.bitrate_kbps);
    return KOKORO_OK;
}

static kokoro_status mp3_out(kokoro_encoder *enc, mp3_state *s, int bytes, kokoro_error *err)
{
    if (bytes < 0)
        return kk_fail(err, KOKORO_ERR_INTERNAL, "mp3 encoder: LAME failed with code %d", bytes);
    if (enc->opt.streaming)
        return kk_encoder_emit(enc, s->out, (size_t)bytes, err);
    return kk_bytes_append(&s->held, s->out, (size_t)bytes, err);
}

static kokoro_status mp3_write(kokoro_encoder *enc, const int16_t *pcm, size_t n, kokoro_error *err)
{
    mp3_state *s = enc->codec;
    /* Mono: LAME reads only the left buffer. */
    int bytes = lame_encode_buffer(s->lame, pcm, pcm, (int)n, s->out, (int)sizeof s->out);
    return mp3_out(enc, s, bytes, err);
}

static kokoro_status mp3_finish(kokoro_encoder *enc, kokoro_error *err)
{
    mp3_state *s = enc->codec;
    kokoro_status st = mp3_out(enc, s, lame_encode_flush(s->lame, s->out, (int)sizeof s->out), err);
    if (st != KOKORO_OK || enc->opt.streaming)
        return st;
    /* LAME left an empty frame at the start for the tag; it is the same size as the tag. */
    size_t tag = lame_get_lametag_frame(s->lame, s->out, sizeof s->out);
    if (tag > sizeof s->out || tag > s->held.len)
        return kk_fail(err, KOKORO_ERR_INTERNAL, "mp3 encoder: LAME tag frame of %zu bytes does not fit", tag);
    if (tag)
        memcpy(s->held.data, s->out, tag);
    st = kk_encoder_emit(enc, s->held.data, s->held.len, err);
    kk_bytes_free(&s->held);
    return st;
}

static void mp3_close(kokoro_encoder *enc)
{
    mp3_state *s = enc->codec;
    if (!s)
        return;
    if (s->lame)
        lame_close(s->lame);
    kk_bytes_free(&s->held);
    free(s);
    enc->codec = NULL;
}

const kk_codec kk_codec_mp3 = {mp3_check, mp3_open, mp3_write, mp3_finish, mp3_close};
