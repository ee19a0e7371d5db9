/* The encoder API contract: format names and MIME types, option checking with clear errors,
 * int16 conversion that clips instead of wrapping, volume, call-order misuse, and a sink that
 * refuses data. */
#include <pthread.h>

#include "audio/encoder.h"
#include "audio_util.h"
#include "harness.h"

static void test_names(void)
{
    static const struct {
        const char *name;
        kokoro_format fmt;
        const char *mime;
    } known[] = {
        {"mp3", KOKORO_FORMAT_MP3, "audio/mpeg"}, {"opus", KOKORO_FORMAT_OPUS, "audio/opus"},
        {"aac", KOKORO_FORMAT_AAC, "audio/aac"},  {"flac", KOKORO_FORMAT_FLAC, "audio/flac"},
        {"wav", KOKORO_FORMAT_WAV, "audio/wav"},  {"pcm", KOKORO_FORMAT_PCM, "audio/pcm"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        kokoro_format f = (kokoro_format)-1;
        kokoro_error err = {0};
        CHECK(kokoro_format_from_name(known[i].name, &f, &err) == KOKORO_OK);
        CHECK(f == known[i].fmt);
        CHECK_STR_EQ(kokoro_format_name(known[i].fmt), known[i].name);
        CHECK_STR_EQ(kokoro_format_mime(known[i].fmt), known[i].mime);
    }
    kokoro_format f;
    CHECK(kokoro_format_from_name("FLAC", &f, NULL) == KOKORO_OK && f == KOKORO_FORMAT_FLAC);
    CHECK(kokoro_format_from_name("Mp3", &f, NULL) == KOKORO_OK && f == KOKORO_FORMAT_MP3);
    const char *bad[] = {"ogg", "", "mp3 ", "m4a", "wave", "pcm16"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kokoro_error err = {0};
        CHECK(kokoro_format_from_name(bad[i], &f, &err) == KOKORO_ERR_INVALID_ARGUMENT);
        CHECK_MSG(strstr(err.message, "unknown audio format") && strstr(err.message, "mp3, opus, aac, flac, wav or pcm"),
                  "message: %s", err.message);
        CHECK(err.code == KOKORO_ERR_INVALID_ARGUMENT);
    }
    kokoro_error err = {0};
    CHECK(kokoro_format_from_name(NULL, &f, &err) == KOKORO_ERR_INVALID_ARGUMENT && err.message[0]);
    CHECK(kokoro_format_name((kokoro_format)42) == NULL);
    CHECK(kokoro_format_mime((kokoro_format)42) == NULL);
}

static kokoro_status try_open(kokoro_format fmt, int rate, const kokoro_encoder_options *opt, kokoro_error *err)
{
    mem_sink sink = {0};
    kokoro_encoder *enc = NULL;
    kokoro_status st = kokoro_encoder_open(fmt, rate, opt, mem_sink_write, &sink, &enc, err);
    kokoro_encoder_free(enc);
    mem_sink_free(&sink);
    return st;
}

static void test_options(void)
{
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    CHECK(opt.bitrate_kbps == 0 && opt.compression_level == -1 && opt.streaming == 0 && opt.volume == 1.0f);
    kokoro_error err = {0};
    for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++) {
        CHECK_MSG(try_open((kokoro_format)f, 24000, NULL, &err) == KOKORO_OK, "%s", err.message);
        CHECK_MSG(try_open((kokoro_format)f, 24000, &opt, &err) == KOKORO_OK, "%s", err.message);
    }
    static const struct {
        kokoro_format fmt;
        int rate, kbps, level;
        float volume;
        const char *needle;
    } bad[] = {
        {KOKORO_FORMAT_MP3, 24000, 100, -1, 1, "no 100 kbps"},    /* not an MPEG-2 step */
        {KOKORO_FORMAT_MP3, 24000, 320, -1, 1, "no 320 kbps"},    /* MPEG-2 stops at 160 */
        {KOKORO_FORMAT_MP3, 23000, 0, -1, 1, "sample rate"},
        {KOKORO_FORMAT_OPUS, 24000, 600, -1, 1, "outside 6..510"},
        {KOKORO_FORMAT_OPUS, 24000, 5, -1, 1, "outside 6..510"},
        {KOKORO_FORMAT_AAC, 24000, 200, -1, 1, "outside 8..144"},
        {KOKORO_FORMAT_AAC, 23000, 0, -1, 1, "sample rate"},
        {KOKORO_FORMAT_FLAC, 24000, 0, 9, 1, "outside 0..8"},
        {KOKORO_FORMAT_FLAC, 24000, 0, -2, 1, "outside 0..8"},
        {KOKORO_FORMAT_WAV, 24000, -5, -1, 1, "negative"},
        {KOKORO_FORMAT_WAV, 24000, 0, -1, NAN, "volume"},
        {KOKORO_FORMAT_PCM, 24000, 0, -1, -1, "volume"},
        {KOKORO_FORMAT_PCM, 1000, 0, -1, 1, "sample rate"},
        {(kokoro_format)42, 24000, 0, -1, 1, "unknown audio format"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kokoro_encoder_options o;
        kokoro_encoder_options_init(&o);
        o.bitrate_kbps = bad[i].kbps;
        o.compression_level = bad[i].level;
        o.volume = bad[i].volume;
        kokoro_error e = {0};
        CHECK_MSG(try_open(bad[i].fmt, bad[i].rate, &o, &e) == KOKORO_ERR_INVALID_ARGUMENT, "case %zu", i);
        CHECK_MSG(strstr(e.message, bad[i].needle), "case %zu: message '%s' lacks '%s'", i, e.message, bad[i].needle);
    }
    /* Every valid setting that the options can express opens. */
    for (int level = 0; level <= 8; level++) {
        kokoro_encoder_options o;
        kokoro_encoder_options_init(&o);
        o.compression_level = level;
        CHECK(try_open(KOKORO_FORMAT_FLAC, 24000, &o, NULL) == KOKORO_OK);
    }
    int mp3_kbps[] = {8, 64, 128, 160}, opus_kbps[] = {6, 64, 128, 510}, aac_kbps[] = {8, 64, 128, 144};
    for (int i = 0; i < 4; i++) {
        kokoro_encoder_options o;
        kokoro_encoder_options_init(&o);
        o.bitrate_kbps = mp3_kbps[i];
        CHECK(try_open(KOKORO_FORMAT_MP3, 24000, &o, NULL) == KOKORO_OK);
        o.bitrate_kbps = opus_kbps[i];
        CHECK(try_open(KOKORO_FORMAT_OPUS, 24000, &o, NULL) == KOKORO_OK);
        o.bitrate_kbps = aac_kbps[i];
        CHECK(try_open(KOKORO_FORMAT_AAC, 24000, &o, NULL) == KOKORO_OK);
    }
    kokoro_encoder *enc = (kokoro_encoder *)&opt;
    CHECK(kokoro_encoder_open(KOKORO_FORMAT_WAV, 24000, NULL, NULL, NULL, &enc, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(enc == NULL);
    CHECK(kokoro_encoder_open(KOKORO_FORMAT_WAV, 24000, NULL, mem_sink_write, NULL, NULL, &err) ==
          KOKORO_ERR_INVALID_ARGUMENT);
}

/* Encodes x to raw pcm with the given volume and returns the int16 samples the sink received. */
static int16_t *pcm_of(const float *x, size_t n, float volume)
{
    kokoro_encoder_options o;
    kokoro_encoder_options_init(&o);
    o.volume = volume;
    mem_sink sink = {0};
    kokoro_error err = {0};
    CHECK(encode_signal(KOKORO_FORMAT_PCM, &o, x, n, 0, &sink, NULL, &err) == KOKORO_OK);
    CHECK(sink.len == 2 * n);
    int16_t *s = calloc(n, sizeof *s);
    for (size_t i = 0; i < n && 2 * i + 1 < sink.len; i++)
        s[i] = (int16_t)(uint16_t)(sink.data[2 * i] | sink.data[2 * i + 1] << 8);
    mem_sink_free(&sink);
    return s;
}

static void test_clipping(void)
{
    const float x[] = {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1.0001f, 2.0f, -2.0f, 1e9f, -1e9f,
                       INFINITY, -INFINITY, NAN, 3.0f / 32767.0f, -0.99999f};
    const int16_t want[] = {0, 16384, -16384, 32767, -32767, 32767, 32767, -32768, 32767, -32768,
                            32767, -32768, 0, 3, -32767};
    size_t n = sizeof x / sizeof *x;
    int16_t *s = pcm_of(x, n, 1.0f);
    for (size_t i = 0; i < n; i++)
        CHECK_MSG(s[i] == want[i], "sample %zu: %g -> %d, want %d", i, (double)x[i], s[i], want[i]);
    free(s);

    /* Volume scales before conversion; a loud sine clips flat at the rails, never wraps. */
    size_t m = 2400;
    float *sine = make_sine(m, 440.0, 0.9);
    int16_t *loud = pcm_of(sine, m, 3.0f);
    int16_t *quiet = pcm_of(sine, m, 0.5f);
    int16_t *ref = malloc(m * sizeof *ref);
    kk_float_to_s16(sine, m, 0.5f, ref);
    int wrapped = 0, at_rail = 0;
    for (size_t i = 0; i < m; i++) {
        if ((sine[i] > 0.05f && loud[i] < 0) || (sine[i] < -0.05f && loud[i] > 0))
            wrapped++;
        if (loud[i] == 32767 || loud[i] == -32768)
            at_rail++;
        CHECK(abs(quiet[i] - (int)lrintf(sine[i] * 0.5f * 32767.0f)) <= 0);
    }
    CHECK(wrapped == 0);
    CHECK(at_rail > (int)m / 2);
    CHECK(memcmp(quiet, ref, m * sizeof *ref) == 0);
    int16_t *silent = pcm_of(sine, m, 0.0f);
    int nonzero = 0;
    for (size_t i = 0; i < m; i++)
        nonzero += silent[i] != 0;
    CHECK(nonzero == 0);
    free(sine);
    free(loud);
    free(quiet);
    free(ref);
    free(silent);
}

static void test_call_order(void)
{
    for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++) {
        mem_sink sink = {0};
        kokoro_encoder *enc = NULL;
        kokoro_error err = {0};
        CHECK(kokoro_encoder_open((kokoro_format)f, 24000, NULL, mem_sink_write, &sink, &enc, &err) == KOKORO_OK);
        float buf[100] = {0};
        CHECK(kokoro_encoder_push(enc, NULL, 10, &err) == KOKORO_ERR_INVALID_ARGUMENT);
        CHECK(kokoro_encoder_push(enc, NULL, 0, &err) == KOKORO_OK);
        CHECK(kokoro_encoder_push(enc, buf, 100, &err) == KOKORO_OK);
        CHECK(kokoro_encoder_finish(enc, &err) == KOKORO_OK);
        CHECK(kokoro_encoder_push(enc, buf, 100, &err) == KOKORO_ERR_INVALID_ARGUMENT);
        CHECK(strstr(err.message, "already finished") != NULL);
        CHECK(kokoro_encoder_finish(enc, &err) == KOKORO_ERR_INVALID_ARGUMENT);
        kokoro_encoder_free(enc);
        mem_sink_free(&sink);

        /* Freeing without finish, and an empty stream, are both fine. */
        CHECK(kokoro_encoder_open((kokoro_format)f, 24000, NULL, mem_sink_write, &sink, &enc, &err) == KOKORO_OK);
        CHECK(kokoro_encoder_push(enc, buf, 100, &err) == KOKORO_OK);
        kokoro_encoder_free(enc);
        mem_sink_free(&sink);
        CHECK(kokoro_encoder_open((kokoro_format)f, 24000, NULL, mem_sink_write, &sink, &enc, &err) == KOKORO_OK);
        CHECK(kokoro_encoder_finish(enc, &err) == KOKORO_OK);
        /* Headerless formats stay empty; the others still write a valid (silent) file. */
        int headerless = f == KOKORO_FORMAT_PCM || f == KOKORO_FORMAT_AAC;
        CHECK_MSG(headerless ? sink.len == 0 : sink.len > 0, "%s empty stream: %zu bytes",
                  kokoro_format_name((kokoro_format)f), sink.len);
        kokoro_encoder_free(enc);
        mem_sink_free(&sink);
    }
    kokoro_encoder_free(NULL);
    CHECK(kokoro_encoder_push(NULL, NULL, 0, NULL) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(kokoro_encoder_finish(NULL, NULL) == KOKORO_ERR_INVALID_ARGUMENT);
}

/* A sink that gives up mid-stream stops the encoder with KOKORO_ERR_CANCELLED, in every format. */
static void test_refusing_sink(void)
{
    size_t n = 3 * KOKORO_SAMPLE_RATE;
    float *x = make_sine(n, 1000.0, 0.5);
    for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++) {
        for (int streaming = 0; streaming <= 1; streaming++) {
            kokoro_encoder_options o;
            kokoro_encoder_options_init(&o);
            o.streaming = streaming;
            mem_sink sink = {0};
            sink.refuse_after = streaming ? 2 : 1; /* held formats make a single call */
            kokoro_error err = {0};
            kokoro_status st = encode_signal((kokoro_format)f, &o, x, n, 0, &sink, NULL, &err);
            CHECK_MSG(st == KOKORO_ERR_CANCELLED, "%s streaming=%d: status %s (%s)",
                      kokoro_format_name((kokoro_format)f), streaming, kokoro_status_name(st), err.message);
            CHECK(strstr(err.message, "sink") != NULL);
            mem_sink_free(&sink);
        }
    }
    free(x);
}

/* Encoders share nothing: several threads encoding every format at once produce exactly the
 * bytes a lone thread does (the server runs one encoder per request). */
typedef struct {
    const float *x;
    size_t n;
    mem_sink out[KOKORO_FORMAT_PCM + 1];
    int failures;
} thread_job;

static void *encode_all(void *arg)
{
    thread_job *job = arg;
    for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++) {
        kokoro_encoder_options o;
        kokoro_encoder_options_init(&o);
        o.streaming = 1;
        kokoro_error err;
        if (encode_signal((kokoro_format)f, &o, job->x, job->n, 0, &job->out[f], NULL, &err) != KOKORO_OK)
            job->failures++;
    }
    return NULL;
}

static void test_threads(void)
{
    size_t n = KOKORO_SAMPLE_RATE;
    float *x = make_chirp(n, 100.0, 6000.0, 0.5);
    enum { N_THREADS = 4 };
    thread_job jobs[N_THREADS + 1];
    memset(jobs, 0, sizeof jobs);
    pthread_t tid[N_THREADS];
    for (int t = 0; t <= N_THREADS; t++) {
        jobs[t].x = x;
        jobs[t].n = n;
    }
    for (int t = 0; t < N_THREADS; t++)
        CHECK(pthread_create(&tid[t], NULL, encode_all, &jobs[t]) == 0);
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(tid[t], NULL);
    encode_all(&jobs[N_THREADS]); /* the reference, alone */
    for (int t = 0; t <= N_THREADS; t++) {
        CHECK(jobs[t].failures == 0);
        for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++) {
            mem_sink *a = &jobs[t].out[f], *ref = &jobs[N_THREADS].out[f];
            CHECK_MSG(a->len == ref->len && a->len > 0 && memcmp(a->data, ref->data, a->len) == 0,
                      "thread %d, %s: output differs from a lone encoder", t, kokoro_format_name((kokoro_format)f));
        }
    }
    for (int t = 0; t <= N_THREADS; t++)
        for (int f = KOKORO_FORMAT_MP3; f <= KOKORO_FORMAT_PCM; f++)
            mem_sink_free(&jobs[t].out[f]);
    free(x);
}

int main(void)
{
    test_names();
    test_options();
    test_clipping();
    test_call_order();
    test_refusing_sink();
    test_threads();
    return HARNESS_RETURN();
}
