/* encode_bench — cost of each audio encoder, in microseconds of CPU per second of audio.
 *
 * usage: encode_bench [SECONDS_OF_AUDIO] [RUNS]   (defaults 20 and 3)
 *
 * The signal is speech-like (a gliding harmonic voice with noise bursts and pauses) at 24 kHz,
 * pushed in 4800-sample chunks in streaming mode to a sink that only counts bytes; the best of
 * RUNS runs is reported, in process CPU time so that other load on the machine counts less. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kokoro.h"

static int count_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

static float *speech_like(size_t n)
{
    float *x = malloc(n * sizeof *x);
    uint32_t rng = 12345;
    double phase = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / KOKORO_SAMPLE_RATE;
        double f0 = 140.0 + 40.0 * sin(2 * M_PI * 0.7 * t);
        phase += 2 * M_PI * f0 / KOKORO_SAMPLE_RATE;
        double v = 0;
        for (int h = 1; h <= 20; h++)
            v += sin(h * phase) / h;
        rng = rng * 1664525u + 1013904223u;
        double noise = ((double)(rng >> 8) / 16777216.0 - 0.5);
        double syl = fmod(t, 0.25) < 0.18 ? 1.0 : 0.05;       /* syllables and gaps */
        double fric = fmod(t, 1.3) > 1.1 ? 0.3 : 0.02;         /* fricative bursts */
        x[i] = (float)(syl * 0.15 * v + fric * noise);
    }
    return x;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 20.0;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (!(seconds > 0) || seconds > 3600 || runs < 1) {
        fprintf(stderr, "usage: encode_bench [SECONDS_OF_AUDIO] [RUNS]\n");
        return 2;
    }
    size_t n = (size_t)(seconds * KOKORO_SAMPLE_RATE);
    float *x = speech_like(n);
    const kokoro_format formats[] = {KOKORO_FORMAT_PCM, KOKORO_FORMAT_WAV, KOKORO_FORMAT_FLAC,
                                     KOKORO_FORMAT_MP3, KOKORO_FORMAT_OPUS, KOKORO_FORMAT_AAC};
    printf("%-5s %12s %10s %10s\n", "fmt", "us/s audio", "kbit/s", "realtime");
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        double best = 1e30;
        size_t bytes = 0;
        for (int r = 0; r < runs; r++) {
            kokoro_encoder_options opt;
            kokoro_encoder_options_init(&opt);
            opt.streaming = 1;
            kokoro_encoder *enc = NULL;
            kokoro_error err;
            bytes = 0;
            double t0 = cpu_seconds();
            kokoro_status st = kokoro_encoder_open(formats[f], KOKORO_SAMPLE_RATE, &opt, count_sink, &bytes, &enc, &err);
            for (size_t off = 0; st == KOKORO_OK && off < n; off += 4800)
                st = kokoro_encoder_push(enc, x + off, n - off < 4800 ? n - off : 4800, &err);
            if (st == KOKORO_OK)
                st = kokoro_encoder_finish(enc, &err);
            double dt = cpu_seconds() - t0;
            kokoro_encoder_free(enc);
            if (st != KOKORO_OK) {
                fprintf(stderr, "%s: %s\n", kokoro_format_name(formats[f]), err.message);
                free(x);
                return 1;
            }
            best = dt < best ? dt : best;
        }
        double us_per_s = best * 1e6 / seconds;
        printf("%-5s %12.0f %10.1f %9.0fx\n", kokoro_format_name(formats[f]), us_per_s,
               bytes * 8.0 / seconds / 1000.0, 1e6 / (us_per_s > 0 ? us_per_s : 1e-9));
    }
    free(x);
    return 0;
}
