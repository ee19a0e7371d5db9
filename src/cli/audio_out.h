/* Writing synthesised audio to a file (or stdout) through the library's encoders, for the CLI. */
#ifndef KOKORO_CLI_AUDIO_OUT_H
#define KOKORO_CLI_AUDIO_OUT_H
#include "kokoro.h"

/* Picks the output format: format_name (-f) when given, else the extension of path ("-", stdout,
 * defaults to wav), and checks opt against it, so that a bad choice fails before any synthesis.
 * Prints a one-line error prefixed with "kokoro CMD:" and returns -1 on failure. */
int cli_audio_choose(const char *cmd, const char *format_name, const char *path,
                     const kokoro_encoder_options *opt, kokoro_format *out);

/* Encodes n samples at KOKORO_SAMPLE_RATE to path ("-" = stdout) in one non-streamed pass, so
 * headers are exact. A file that cannot be completed is removed. Prints a one-line error and
 * returns -1 on failure. */
int cli_audio_write(const char *cmd, const char *path, kokoro_format fmt,
                    const kokoro_encoder_options *opt, const float *samples, size_t n);
#endif
