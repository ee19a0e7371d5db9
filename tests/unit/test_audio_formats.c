/* Every format round-trips through ffmpeg: a 1 kHz sine and a 100 Hz..8 kHz chirp are pushed in
 * uneven chunk sizes, in streamed and non-streamed mode, decoded back with the ffmpeg tool and
 * compared with the int16 samples the encoder was given.
 *
 * Bounds (stated by the acceptance list):
 *  - wav, pcm, flac: bit-exact int16 round trip, exact length.
 *  - mp3 (128 kbps CBR), opus (96 kbps), aac (128 kbps): decoded length within one codec frame of
 *    the input length plus the codec delay that the container cannot signal; SNR after aligning
 *    the codec delay at least MIN_SNR_DB below (measured values are printed).
 *  - sample rate 24000 and one channel as ffprobe reports them (opus: its decoders always run at
 *    48 kHz, so the 24000 Hz input rate is read from the OpusHead instead).
 *  - pushing in uneven chunks gives byte-identical output to one single push.
 *  - streamed and non-streamed output of a format decode to the same samples (mp3: the streamed
 *    bytes are exactly the non-streamed file without its leading Info-tag frame).
 *  - when streaming, output keeps pace with input: once 1 s of a 3 s signal has been pushed, at
 *    least half of the stream's first-second share of bytes has reached the sink.
 *  - Python's `wave` module reads the non-streamed WAV's length exactly. */
#include "audio/encoder.h"
#include "audio_util.h"
#include "harness.h"

#define N_SAMPLES 36017 /* 1.5 s plus a remainder that fits no codec frame */

typedef struct {
    kokoro_format fmt;
    const char *ext;
    const char *codec_name;
    int lossless;
    size_t delay;      /* leading samples the decoder emits that the container cannot trim */
    size_t frame;      /* codec frame, in 24 kHz samples */
    double min_snr_db; /* lossy only: sine, chirp */
    double min_snr_chirp_db;
} format_case;

static const format_case cases[] = {
    {KOKORO_FORMAT_WAV, "wav", "pcm_s16le", 1, 0, 0, 0, 0},
    {KOKORO_FORMAT_PCM, "pcm", "pcm_s16le", 1, 0, 0, 0, 0},
    {KOKORO_FORMAT_FLAC, "flac", "flac", 1, 0, 0, 0, 0},
    {KOKORO_FORMAT_MP3, "mp3", "mp3", 0, 1105, 576, 22, 22},
    {KOKORO_FORMAT_OPUS, "opus", "opus", 0, 0, 480, 38, 28},
    {KOKORO_FORMAT_AAC, "aac", "aac", 0, 1024, 1024, 26, 30},
};

/* Best SNR of d against e over lags 0..max_lag, and the lag that gives it. */
static double aligned_snr(const int16_t *e, size_t n, const int16_t *d, size_t nd, size_t max_lag,
                          size_t *best_lag)
{
    double sig = 0;
    for (size_t i = 0; i < n; i++)
        sig += (double)e[i] * e[i];
    double best = -1e9;
    *best_lag = 0;
    for (size_t lag = 0; lag <= max_lag; lag++) {
        double noise = 0;
        for (size_t i = 0; i < n; i++) {
            double v = i + lag < nd ? d[i + lag] : 0;
            noise += (e[i] - v) * (e[i] - v);
        }
        double snr = 10.0 * log10(sig / (noise > 0 ? noise : 1e-9));
        if (snr > best) {
            best = snr;
            *best_lag = lag;
        }
    }
    return best;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Container facts that ffprobe does not show: header sizes, tags, end-of-stream pages. */
static void check_container(const format_case *c, int streaming, const mem_sink *out)
{
    const uint8_t *b = out->data;
    size_t len = out->len;
    if (c->fmt == KOKORO_FORMAT_WAV) {
        CHECK(len == 44 + 2 * (size_t)N_SAMPLES);
        uint32_t want_riff = streaming ? 0xFFFFFFFFu : (uint32_t)(len - 8);
        uint32_t want_data = streaming ? 0xFFFFFFFFu : (uint32_t)(len - 44);
        CHECK(memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVEfmt ", 8) == 0);
        CHECK(le32(b + 4) == want_riff);
        CHECK(le32(b + 40) == want_data);
    } else if (c->fmt == KOKORO_FORMAT_PCM) {
        CHECK(len == 2 * (size_t)N_SAMPLES);
    } else if (c->fmt == KOKORO_FORMAT_FLAC) {
        CHECK(len > 42 && memcmp(b, "fLaC", 4) == 0);
        /* STREAMINFO: 20 bits rate, 3 channels-1, 5 bps-1, 36 total samples, from byte 18. */
        uint64_t v = 0;
        for (int i = 18; i < 26; i++)
            v = v << 8 | b[i];
        CHECK((v >> 44) == KOKORO_SAMPLE_RATE);
        CHECK(((v >> 41) & 7) == 0);
        CHECK(((v >> 36) & 31) == 15);
        CHECK((v & 0xFFFFFFFFFull) == (streaming ? 0 : (uint64_t)N_SAMPLES));
    } else if (c->fmt == KOKORO_FORMAT_MP3) {
        int tagged = len > 200 && (memmem(b, 200, "Info", 4) || memmem(b, 200, "Xing", 4));
        CHECK_MSG(tagged == !streaming, "mp3 streaming=%d has tag=%d", streaming, tagged);
    } else if (c->fmt == KOKORO_FORMAT_OPUS) {
        const uint8_t *head = memmem(b, len < 200 ? len : 200, "OpusHead", 8);
        CHECK(head != NULL);
        if (head) {
            CHECK(head[9] == 1);                           /* channels */
            CHECK(le32(head + 12) == KOKORO_SAMPLE_RATE); /* input sample rate */
        }
        /* The last page carries the end-of-stream flag: the tail was flushed. */
        const uint8_t *last = NULL;
        for (size_t i = 0; i + 4 <= len; i++)
            if (memcmp(b + i, "OggS", 4) == 0)
                last = b + i;
        CHECK(last && (last[5] & 4));
    } else if (c->fmt == KOKORO_FORMAT_AAC) {
        CHECK(len > 7 && b[0] == 0xFF && (b[1] & 0xF6) == 0xF0);
        CHECK(((b[2] >> 2) & 15) == 6); /* sampling index of 24000 Hz */
    }
}

static void run_case(const format_case *c, const char *signal_name, const float *x, int streaming)
{
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    opt.streaming = streaming;
    kokoro_error err = {0};
    mem_sink uneven = {0}, single = {0};
    size_t before_finish = 0;
    kokoro_status st = encode_signal(c->fmt, &opt, x, N_SAMPLES, 0, &uneven, &before_finish, &err);
    CHECK_MSG(st == KOKORO_OK, "%s: %s", c->ext, err.message);
    st = encode_signal(c->fmt, &opt, x, N_SAMPLES, 1, &single, NULL, &err);
    CHECK_MSG(st == KOKORO_OK, "%s: %s", c->ext, err.message);
    CHECK_MSG(uneven.len == single.len && memcmp(uneven.data, single.data, uneven.len) == 0,
              "%s %s streaming=%d: uneven pushes gave %zu bytes, one push %zu bytes", c->ext, signal_name,
              streaming, uneven.len, single.len);
    /* Streamed output leaves while pushing; non-streamed wav/flac/mp3 wait for exact headers. */
    int held = !streaming && (c->fmt == KOKORO_FORMAT_WAV || c->fmt == KOKORO_FORMAT_FLAC ||
                              c->fmt == KOKORO_FORMAT_MP3);
    CHECK_MSG(held ? before_finish == 0 : !streaming || before_finish > uneven.len / 2,
              "%s streaming=%d: %zu of %zu bytes before finish", c->ext, streaming, before_finish, uneven.len);
    check_container(c, streaming, &uneven);

    char path[1024];
    snprintf(path, sizeof path, "%s/fmt_%s_%s_%d.%s", KOKORO_TEST_TMP, signal_name, c->ext, streaming, c->ext);
    CHECK(write_file(path, uneven.data, uneven.len) == 0);
    const char *in_opts = c->fmt == KOKORO_FORMAT_PCM ? "-f s16le -ar 24000 -ac 1" : NULL;
    char codec[64];
    int rate = 0, channels = 0;
    CHECK(ffprobe_stream(path, in_opts, codec, sizeof codec, &rate, &channels) == 0);
    CHECK_STR_EQ(codec, c->codec_name);
    CHECK(channels == 1);
    CHECK_MSG(rate == (c->fmt == KOKORO_FORMAT_OPUS ? 48000 : KOKORO_SAMPLE_RATE), "%s rate %d", c->ext, rate);

    size_t nd = 0;
    int16_t *d = ffmpeg_decode(path, in_opts, &nd);
    CHECK_MSG(d != NULL, "ffmpeg could not decode %s", path);
    int16_t *e = malloc(N_SAMPLES * sizeof *e);
    kk_float_to_s16(x, N_SAMPLES, 1.0f, e);
    if (d && c->lossless) {
        CHECK_MSG(nd == N_SAMPLES, "%s: decoded %zu samples, pushed %d", c->ext, nd, N_SAMPLES);
        CHECK_MSG(nd == N_SAMPLES && memcmp(d, e, sizeof *e * N_SAMPLES) == 0, "%s: not bit-exact", c->ext);
    } else if (d) {
        /* Non-streamed mp3 has LAME's Info tag, so the decoder trims the delay itself. */
        size_t delay = c->fmt == KOKORO_FORMAT_MP3 && !streaming ? 0 : c->delay;
        long extra = (long)nd - (long)N_SAMPLES - (long)delay;
        CHECK_MSG(extra >= -(long)c->frame && extra <= (long)c->frame,
                  "%s streaming=%d: decoded %zu samples for %d pushed (delay %zu, frame %zu)", c->ext,
                  streaming, nd, N_SAMPLES, delay, c->frame);
        size_t lag = 0;
        double snr = aligned_snr(e, N_SAMPLES, d, nd, delay + c->frame, &lag);
        double bound = strcmp(signal_name, "sine") == 0 ? c->min_snr_db : c->min_snr_chirp_db;
        fprintf(stderr, "%-4s %-5s streaming=%d: %zu bytes, decoded %zu samples, lag %zu, SNR %.1f dB (bound %.0f)\n",
                c->ext, signal_name, streaming, uneven.len, nd, lag, snr, bound);
        CHECK_MSG(snr >= bound, "%s %s: SNR %.1f dB < %.0f dB", c->ext, signal_name, snr, bound);
    }
    free(d);
    free(e);
    remove(path);
    mem_sink_free(&uneven);
    mem_sink_free(&single);
}

static void stream_vs_file(const format_case *c, const float *x)
{
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    mem_sink file = {0}, stream = {0};
    kokoro_error err = {0};
    CHECK(encode_signal(c->fmt, &opt, x, N_SAMPLES, 0, &file, NULL, &err) == KOKORO_OK);
    opt.streaming = 1;
    CHECK(encode_signal(c->fmt, &opt, x, N_SAMPLES, 0, &stream, NULL, &err) == KOKORO_OK);
    if (c->fmt == KOKORO_FORMAT_MP3) {
        size_t tag = file.len - stream.len;
        CHECK_MSG(file.len > stream.len && tag < 1000 && memcmp(file.data + tag, stream.data, stream.len) == 0,
                  "mp3: streamed output is not the file minus its tag frame");
    } else {
        char pf[1024], ps[1024];
        snprintf(pf, sizeof pf, "%s/svf_file.%s", KOKORO_TEST_TMP, c->ext);
        snprintf(ps, sizeof ps, "%s/svf_stream.%s", KOKORO_TEST_TMP, c->ext);
        CHECK(write_file(pf, file.data, file.len) == 0 && write_file(ps, stream.data, stream.len) == 0);
        const char *in_opts = c->fmt == KOKORO_FORMAT_PCM ? "-f s16le -ar 24000 -ac 1" : NULL;
        size_t nf = 0, ns = 0;
        int16_t *df = ffmpeg_decode(pf, in_opts, &nf), *ds = ffmpeg_decode(ps, in_opts, &ns);
        CHECK_MSG(df && ds && nf == ns && memcmp(df, ds, nf * sizeof *df) == 0,
                  "%s: streamed and non-streamed output decode differently (%zu vs %zu samples)", c->ext, ns, nf);
        free(df);
        free(ds);
        remove(pf);
        remove(ps);
    }
    mem_sink_free(&file);
    mem_sink_free(&stream);
}

static void streaming_latency(const format_case *c, const float *x, size_t n)
{
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    opt.streaming = 1;
    mem_sink sink = {0};
    kokoro_encoder *enc = NULL;
    kokoro_error err = {0};
    CHECK(kokoro_encoder_open(c->fmt, KOKORO_SAMPLE_RATE, &opt, mem_sink_write, &sink, &enc, &err) == KOKORO_OK);
    size_t after_first_second = 0;
    for (size_t off = 0; off < n; off += 480) {
        CHECK(kokoro_encoder_push(enc, x + off, n - off < 480 ? n - off : 480, &err) == KOKORO_OK);
        if (off + 480 == KOKORO_SAMPLE_RATE)
            after_first_second = sink.len;
    }
    CHECK(kokoro_encoder_finish(enc, &err) == KOKORO_OK);
    kokoro_encoder_free(enc);
    double share = (double)sink.len * KOKORO_SAMPLE_RATE / (double)n;
    fprintf(stderr, "%s: %zu bytes out after 1 s pushed, %.0f per second on average\n", c->ext,
            after_first_second, share);
    CHECK_MSG(after_first_second >= 0.5 * share, "%s: only %zu bytes out after 1 s pushed (stream %zu bytes)",
              c->ext, after_first_second, sink.len);
    mem_sink_free(&sink);
}

static void python_wave_reads_length(const float *x)
{
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    mem_sink sink = {0};
    kokoro_error err = {0};
    CHECK(encode_signal(KOKORO_FORMAT_WAV, &opt, x, N_SAMPLES, 0, &sink, NULL, &err) == KOKORO_OK);
    char path[1024], cmd[2048];
    snprintf(path, sizeof path, "%s/python_wave.wav", KOKORO_TEST_TMP);
    CHECK(write_file(path, sink.data, sink.len) == 0);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, wave; w = wave.open(sys.argv[1]); "
             "sys.exit(0 if (w.getnframes(), w.getframerate(), w.getnchannels(), w.getsampwidth()) == "
             "(%d, 24000, 1, 2) and len(w.readframes(10**9)) == %d else 1)' '%s'",
             N_SAMPLES, 2 * N_SAMPLES, path);
    CHECK_MSG(system(cmd) == 0, "python's wave module misreads %s", path);
    remove(path);
    mem_sink_free(&sink);
}

int main(void)
{
    float *sine = make_sine(N_SAMPLES, 1000.0, 0.5);
    float *chirp = make_chirp(N_SAMPLES, 100.0, 8000.0, 0.5);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int streaming = 0; streaming <= 1; streaming++) {
            run_case(&cases[i], "sine", sine, streaming);
            run_case(&cases[i], "chirp", chirp, streaming);
        }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        stream_vs_file(&cases[i], chirp);
    float *long_sine = make_sine(3 * KOKORO_SAMPLE_RATE, 1000.0, 0.5);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        streaming_latency(&cases[i], long_sine, 3 * KOKORO_SAMPLE_RATE);
    free(long_sine);
    python_wave_reads_length(sine);
    free(sine);
    free(chirp);
    return HARNESS_RETURN();
}
