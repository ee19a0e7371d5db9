#include "cli/audio_out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int discard(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

int cli_audio_choose(const char *cmd, const char *format_name, const char *path,
                     const kokoro_encoder_options *opt, kokoro_format *out)
{
    kokoro_error err;
    if (format_name) {
        if (kokoro_format_from_name(format_name, out, &err) != KOKORO_OK) {
            fprintf(stderr, "kokoro %s: %s\n", cmd, err.message);
            return -1;
        }
    } else if (strcmp(path, "-") == 0) {
        *out = KOKORO_FORMAT_WAV;
    } else {
        const char *slash = strrchr(path, '/');
        const char *dot = strrchr(slash ? slash + 1 : path, '.');
        if (!dot || kokoro_format_from_name(dot + 1, out, &err) != KOKORO_OK) {
            fprintf(stderr,
                    "kokoro %s: cannot tell the audio format of '%s' from its extension; "
                    "use -f mp3|opus|aac|flac|wav|pcm\n", cmd, path);
            return -1;
        }
    }
    /* Opening an encoder is the one place that knows every format's limits. */
    kokoro_encoder *enc = NULL;
    if (kokoro_encoder_open(*out, KOKORO_SAMPLE_RATE, opt, discard, NULL, &enc, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro %s: %s\n", cmd, err.message);
        return -1;
    }
    kokoro_encoder_free(enc);
    return 0;
}

typedef struct {
    FILE *f;
    int errnum;
} file_sink;

static int write_to_file(void *ctx, const uint8_t *data, size_t len)
{
    file_sink *s = ctx;
    if (fwrite(data, 1, len, s->f) != len) {
        s->errnum = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

int cli_audio_write(const char *cmd, const char *path, kokoro_format fmt,
                    const kokoro_encoder_options *opt, const float *samples, size_t n)
{
    int to_stdout = strcmp(path, "-") == 0;
    file_sink sink = {to_stdout ? stdout : fopen(path, "wb"), 0};
    if (!sink.f) {
        fprintf(stderr, "kokoro %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    kokoro_encoder_options o = *opt;
    o.streaming = 0;
    kokoro_error err;
    kokoro_encoder *enc = NULL;
    kokoro_status st = kokoro_encoder_open(fmt, KOKORO_SAMPLE_RATE, &o, write_to_file, &sink, &enc, &err);
    if (st == KOKORO_OK)
        st = kokoro_encoder_push(enc, samples, n, &err);
    if (st == KOKORO_OK)
        st = kokoro_encoder_finish(enc, &err);
    kokoro_encoder_free(enc);
    int closed = to_stdout ? fflush(stdout) : fclose(sink.f);
    if (closed != 0 && !sink.errnum)
        sink.errnum = errno ? errno : EIO;
    if (st == KOKORO_OK && !sink.errnum)
        return 0;
    if (sink.errnum)
        fprintf(stderr, "kokoro %s: cannot write %s: %s\n", cmd, path, strerror(sink.errnum));
    else
        fprintf(stderr, "kokoro %s: %s\n", cmd, err.message);
    if (!to_stdout)
        remove(path);
    return -1;
}
