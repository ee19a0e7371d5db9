/* `kokoro say TEXT`: text → chunks → synthesis → one PCM stream with Kokoro-FastAPI's joins. */
#ifndef KOKORO_CLI_SAY_TEXT_H
#define KOKORO_CLI_SAY_TEXT_H
#include <stddef.h>
#include <stdio.h>

#include "kokoro.h"

/* Reads a whole stream into a NUL-terminated malloc'd buffer; NULL on failure. */
char *cli_read_stream(FILE *f);

/* The language of a voice expression as Kokoro-FastAPI derives it: the first letter of the voice
 * (of its file name for a path). Returns a static one-letter string. */
const char *cli_lang_of_voice(const char *voice_expr);

/* Synthesises text chunk by chunk: [pause:Ns] tags become silence, speech chunks are trimmed
 * (kokoro_trim_chunk) and followed by kokoro_pause_after() of their text / speed. *samples is
 * malloc'd. Prints a one-line error prefixed with "kokoro say:" and returns -1 on failure. */
int cli_say_text(const kokoro_model *model, const kokoro_voice *voice, const char *text, const char *lang,
                 const kokoro_normalization_options *nopt, const kokoro_synth_options *opt, float **samples,
                 size_t *n_samples);
#endif
