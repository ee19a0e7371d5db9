/* kokoro say — synthesise one phoneme string to a 16-bit PCM WAV file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/model_args.h"
#include "kokoro.h"

static void put_le(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Minimal RIFF/WAVE writer: mono, 16-bit PCM; samples are clipped to [-1, 1]. */
static int write_wav(const char *path, const float *x, size_t n, int rate)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char h[44];
    memcpy(h, "RIFF", 4);
    put_le(h + 4, (uint32_t)(36 + 2 * n), 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, 16, 4);
    put_le(h + 20, 1, 2);
    put_le(h + 22, 1, 2);
    put_le(h + 24, (uint32_t)rate, 4);
    put_le(h + 28, (uint32_t)rate * 2, 4);
    put_le(h + 32, 2, 2);
    put_le(h + 34, 16, 2);
    memcpy(h + 36, "data", 4);
    put_le(h + 40, (uint32_t)(2 * n), 4);
    int ok = fwrite(h, 1, 44, f) == 44;
    unsigned char buf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n && ok; i++) {
        float v = x[i];
        v = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
        if (v != v)
            v = 0.0f;
        put_le(buf + k, (uint32_t)(uint16_t)(int16_t)(v * 32767.0f), 2);
        k += 2;
        if (k == sizeof buf || i + 1 == n) {
            ok = fwrite(buf, 1, k, f) == k;
            k = 0;
        }
    }
    if (f != stdout)
        ok = (fclose(f) == 0) && ok;
    else
        ok = (fflush(f) == 0) && ok;
    return ok ? 0 : -1;
}

int cmd_say(int argc, char **argv)
{
    cli_model_args ma;
    cli_model_args_init(&ma);
    const char *voice_expr = NULL, *phonemes = NULL, *out_path = NULL;
    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = cli_model_args_parse(&ma, a, v);
        if (used < 0)
            return 2;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (!strcmp(a, "--zero-noise")) {
            opt.zero_noise = 1;
            continue;
        }
        if (a[0] == '-' && a[1] && !v) {
            fprintf(stderr, "kokoro say: %s needs a value\n", a);
            return 2;
        }
        char *end = NULL;
        if (!strcmp(a, "--voice"))
            voice_expr = argv[++i];
        else if (!strcmp(a, "--phonemes"))
            phonemes = argv[++i];
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            out_path = argv[++i];
        else if (!strcmp(a, "--dump-dir"))
            opt.dump_dir = argv[++i];
        else if (!strcmp(a, "--inject-har"))
            opt.inject_har_dir = argv[++i];
        else if (!strcmp(a, "--speed")) {
            opt.speed = strtof(argv[++i], &end);
            if (!end || *end || !(opt.speed > 0.0f)) {
                fprintf(stderr, "kokoro say: --speed wants a positive number, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            opt.seed = strtoull(argv[++i], &end, 10);
            if (!end || *end) {
                fprintf(stderr, "kokoro say: --seed wants an integer, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--threads")) {
            opt.threads = (int)strtol(argv[++i], &end, 10);
            if (!end || *end || opt.threads < 0) {
                fprintf(stderr, "kokoro say: --threads wants a count, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "kokoro say: unknown option '%s' (see 'kokoro help say')\n", a);
            return 2;
        } else {
            fprintf(stderr, "kokoro say: text input needs the text front end; pass --phonemes\n");
            return 2;
        }
    }
    if (!phonemes || !voice_expr || !out_path) {
        fprintf(stderr, "kokoro say: --voice, --phonemes and -o are required\n");
        return 2;
    }
    kokoro_error err;
    kokoro_model *model = NULL;
    kokoro_voice *voice = NULL;
    if (cli_model_args_load(&ma, "say", &model) != 0)
        return 1;
    if (kokoro_voice_resolve(ma.voices_dir, voice_expr, &voice, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: voice '%s': %s\n", voice_expr, err.message);
        kokoro_model_free(model);
        return 1;
    }
    kokoro_audio audio;
    int rc = 0;
    if (kokoro_synthesize(model, voice, phonemes, &opt, &audio, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: %s\n", err.message);
        rc = 1;
    } else {
        if (write_wav(out_path, audio.samples, audio.n_samples, KOKORO_SAMPLE_RATE) != 0) {
            fprintf(stderr, "kokoro say: cannot write %s: %s\n", out_path, strerror(errno));
            rc = 1;
        }
        kokoro_audio_free(&audio);
    }
    kokoro_voice_free(voice);
    kokoro_model_free(model);
    return rc;
}
