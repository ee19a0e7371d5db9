/* Chunk joins: Kokoro-FastAPI's boundary trimming and inter-sentence pause, plus a short
 * raised-cosine fade at both ends of every chunk so that concatenated chunks never click.
 *
 * FastAPI keeps, after the last sample above -45 dBFS, a punctuation-dependent stretch of the
 * model's own near-silent tail (410 ms x multiplier - 50 ms, divided by speed). Here that stretch
 * is split in two: every chunk keeps 50 ms of its tail (kokoro_trim_chunk), and the rest is
 * inserted by the caller as digital silence (kokoro_pause_after), so the total gap is FastAPI's.
 * Both sides are below -45 dBFS, so the difference is inaudible, and the trimmer needs no text. */
#include <math.h>
#include <string.h>

#include "kokoro.h"

#define GAP_TRIM_SAMPLES (KOKORO_SAMPLE_RATE / 1000)      /* FastAPI's 1 ms hard trim per end */
#define EDGE_PAD_SAMPLES (KOKORO_SAMPLE_RATE * 50 / 1000) /* 50 ms kept before and after speech */
#define FADE_SAMPLES (KOKORO_SAMPLE_RATE * 5 / 1000)      /* raised-cosine fade, at most 5 ms */
#define SILENCE_DBFS (-45.0)
#define PAD_MS 410.0
#define START_PAD_MS 50.0

static void fade_edges(float *x, size_t n)
{
    size_t len = n / 2 < FADE_SAMPLES ? n / 2 : FADE_SAMPLES;
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < len; i++) {
        /* Gain 0 at the outermost sample, rising smoothly to 1 one sample past the fade. */
        float w = (float)(0.5 - 0.5 * cos(pi * (double)i / (double)len));
        x[i] *= w;
        x[n - 1 - i] *= w;
    }
}

size_t kokoro_trim_range(const float *samples, size_t n, size_t *start_out)
{
    size_t start = 0, end = n;
    if (!samples)
        end = 0;
    else if (n > 2 * GAP_TRIM_SAMPLES) {
        start = GAP_TRIM_SAMPLES;
        end = n - GAP_TRIM_SAMPLES;
    }
    const float threshold = (float)pow(10.0, SILENCE_DBFS / 20.0);
    size_t first = end, last = start;
    for (size_t i = start; i < end; i++)
        if (fabsf(samples[i]) > threshold) {
            first = i;
            break;
        }
    if (first < end) {
        for (size_t i = end; i-- > first;)
            if (fabsf(samples[i]) > threshold) {
                last = i;
                break;
            }
        /* FastAPI's slice [first - pad, last + pad), clamped to what the hard trim left. */
        start = first > start + EDGE_PAD_SAMPLES ? first - EDGE_PAD_SAMPLES : start;
        end = last + EDGE_PAD_SAMPLES < end ? last + EDGE_PAD_SAMPLES : end;
    }
    if (start_out)
        *start_out = start;
    return end - start;
}

size_t kokoro_trim_chunk(float *samples, size_t n, int is_first, int is_last)
{
    /* is_first/is_last: every edge, including the stream's own start and end, is treated the
     * same way — trimmed to the 50 ms pads and faded — so the flags do not change the result. */
    (void)is_first;
    (void)is_last;
    if (!samples || n == 0)
        return 0;
    size_t start = 0;
    size_t len = kokoro_trim_range(samples, n, &start);
    if (start > 0)
        memmove(samples, samples + start, len * sizeof *samples);
    fade_edges(samples, len);
    return len;
}

double kokoro_pause_after(const char *chunk_text)
{
    double mult = 1.0;
    if (chunk_text) {
        size_t n = strlen(chunk_text);
        while (n > 0 && (chunk_text[n - 1] == ' ' || chunk_text[n - 1] == '\t' ||
                         chunk_text[n - 1] == '\n' || chunk_text[n - 1] == '\r'))
            n--;
        if (n > 0) {
            switch (chunk_text[n - 1]) {
            case '!': mult = 0.9; break;
            case ',': mult = 0.8; break;
            default: mult = 1.0; break; /* '.', '?' and anything else */
            }
        }
    }
    double pad_ms = PAD_MS * mult - START_PAD_MS;
    if (pad_ms < 0)
        pad_ms = 0;
    /* The chunk already keeps EDGE_PAD_SAMPLES of its own tail. */
    double pause_s = (pad_ms - 1000.0 * EDGE_PAD_SAMPLES / KOKORO_SAMPLE_RATE) / 1000.0;
    return pause_s > 0 ? pause_s : 0;
}
