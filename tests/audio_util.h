/* Helpers shared by the audio tests: test signals, an in-memory sink, encoding in uneven pushes
 * and decoding with the ffmpeg command-line tool (a test-only dependency). */
#ifndef KOKORO_TEST_AUDIO_UTIL_H
#define KOKORO_TEST_AUDIO_UTIL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kokoro.h"

typedef struct {
    uint8_t *data;
    size_t len, cap;
    size_t calls;
    size_t refuse_after; /* 0: never refuse; k: refuse the k-th call */
} mem_sink;

static inline int mem_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    mem_sink *s = ctx;
    s->calls++;
    if (s->refuse_after && s->calls >= s->refuse_after)
        return 1;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        while (cap < s->len + len)
            cap *= 2;
        s->data = realloc(s->data, cap);
        if (!s->data)
            abort();
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return 0;
}

static inline void mem_sink_free(mem_sink *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

static inline float *make_sine(size_t n, double freq, double amp)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2.0 * M_PI * freq * (double)i / KOKORO_SAMPLE_RATE));
    return x;
}

/* Linear sweep from f0 to f1 Hz over the n samples. */
static inline float *make_chirp(size_t n, double f0, double f1, double amp)
{
    float *x = malloc(n * sizeof *x);
    double T = (double)n / KOKORO_SAMPLE_RATE;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / KOKORO_SAMPLE_RATE;
        x[i] = (float)(amp * sin(2.0 * M_PI * (f0 * t + (f1 - f0) * t * t / (2.0 * T))));
    }
    return x;
}

/* Encodes x in uneven pushes (or one push when one_shot); returns the status of the first failing
 * call. bytes_before_finish receives how many bytes the sink saw before finish. */
static inline kokoro_status encode_signal(kokoro_format fmt, const kokoro_encoder_options *opt, const float *x,
                                   size_t n, int one_shot, mem_sink *out, size_t *bytes_before_finish,
                                   kokoro_error *err)
{
    /* Push sizes deliberately unrelated to any codec frame. */
    static const size_t uneven_sizes[] = {1, 17, 480, 1023, 4097, 333, 9001, 5, 2048, 777};
    kokoro_encoder *enc = NULL;
    kokoro_status st = kokoro_encoder_open(fmt, KOKORO_SAMPLE_RATE, opt, mem_sink_write, out, &enc, err);
    if (st != KOKORO_OK)
        return st;
    size_t off = 0, k = 0;
    while (off < n && st == KOKORO_OK) {
        size_t m = one_shot ? n : uneven_sizes[k++ % (sizeof uneven_sizes / sizeof *uneven_sizes)];
        if (m > n - off)
            m = n - off;
        st = kokoro_encoder_push(enc, x + off, m, err);
        off += m;
    }
    if (bytes_before_finish)
        *bytes_before_finish = out->len;
    if (st == KOKORO_OK)
        st = kokoro_encoder_finish(enc, err);
    kokoro_encoder_free(enc);
    return st;
}

static inline int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && w == len ? 0 : -1;
}

/* Decodes path with ffmpeg to s16le mono at 24 kHz; returns malloc'd samples or NULL. */
static inline int16_t *ffmpeg_decode(const char *path, const char *input_opts, size_t *n)
{
    char raw[2048], cmd[8192];
    if (strlen(path) > 1000)
        return NULL;
    snprintf(raw, sizeof raw, "%s.s16", path);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -y %s -i '%s' -f s16le -acodec pcm_s16le -ac 1 -ar 24000 '%s'",
             input_opts ? input_opts : "", path, raw);
    if (system(cmd) != 0)
        return NULL;
    FILE *f = fopen(raw, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    int16_t *s = malloc(bytes > 0 ? (size_t)bytes : 1);
    size_t got = bytes > 0 ? fread(s, 1, (size_t)bytes, f) : 0;
    fclose(f);
    remove(raw);
    *n = got / 2;
    return s;
}

/* Runs ffprobe on the first audio stream; fills codec name, sample rate and channels. */
static inline int ffprobe_stream(const char *path, const char *input_opts, char *codec, size_t codec_len,
                          int *rate, int *channels)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error %s -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels "
             "-of default=noprint_wrappers=1 '%s'",
             input_opts ? input_opts : "", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    *rate = *channels = 0;
    codec[0] = '\0';
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "codec_name=", 11) == 0) {
            size_t m = strlen(line + 11);
            m = m < codec_len - 1 ? m : codec_len - 1;
            memcpy(codec, line + 11, m);
            codec[m] = '\0';
        }
        else if (strncmp(line, "sample_rate=", 12) == 0)
            *rate = atoi(line + 12);
        else if (strncmp(line, "channels=", 9) == 0)
            *channels = atoi(line + 9);
    }
    return pclose(p) == 0 ? 0 : -1;
}
#endif
