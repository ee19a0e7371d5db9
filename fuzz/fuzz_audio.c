/* Fuzzes the audio path: arbitrary float samples (NaN, infinities, huge values included), pushed
 * in arbitrary chunk sizes through any format and option set, plus chunk trimming. The encoders
 * must either succeed or fail with a status; never crash, overflow or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kokoro.h"

static int discard_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    size_t *total = ctx;
    *total += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    kokoro_encoder_options opt;
    kokoro_encoder_options_init(&opt);
    kokoro_format fmt = (kokoro_format)(data[0] % 6);
    opt.streaming = data[1] & 1;
    opt.volume = (float)data[2] / 32.0f;
    opt.compression_level = (int)(data[3] % 11) - 1;
    static const int kbps[] = {0, 8, 32, 64, 96, 128, 144, 160, 200, 6, 510, 7};
    opt.bitrate_kbps = kbps[data[4] % (sizeof kbps / sizeof *kbps)];
    int rate = (data[5] & 0x80) ? KOKORO_SAMPLE_RATE : 8000 + 1000 * (data[5] & 0x7F);
    size_t chunk = 1 + (size_t)data[6] * 37;
    int trim = data[7] & 1;
    data += 8;
    size -= 8;

    size_t n = size / sizeof(float);
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (!x)
        return 0;
    if (n)
        memcpy(x, data, n * sizeof *x);
    if (trim)
        n = kokoro_trim_chunk(x, n, 0, 0);

    size_t total = 0;
    kokoro_encoder *enc = NULL;
    kokoro_error err;
    if (kokoro_encoder_open(fmt, rate, &opt, discard_sink, &total, &enc, &err) == KOKORO_OK) {
        kokoro_status st = KOKORO_OK;
        for (size_t off = 0; st == KOKORO_OK && off < n; off += chunk)
            st = kokoro_encoder_push(enc, x + off, n - off < chunk ? n - off : chunk, &err);
        if (st == KOKORO_OK)
            kokoro_encoder_finish(enc, &err);
        kokoro_encoder_free(enc);
    }
    free(x);
    return 0;
}
