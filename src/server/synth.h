/* synth — one request's way from chunks to encoded bytes: the chunks run on the worker pool, and
 * the request's own thread takes them back in order, trims, encodes and hands out bytes (raw audio,
 * or NDJSON lines of base64 audio + word timestamps for /dev/captioned_speech). */
#ifndef KOKORO_SERVER_SYNTH_H
#define KOKORO_SERVER_SYNTH_H
#include "server/server.h"

typedef struct {
    kokoro_voice *voice;   /* owned by the synth once begun */
    kokoro_chunk *chunks;  /* owned; from kokoro_text_to_chunks */
    size_t n_chunks;
    char *phonemes;        /* owned; alternative to chunks: one chunk of raw phonemes */
    char *input;           /* owned; original text, for timestamp words */
    float speed;
    float volume;
    kokoro_format format;
    const char *format_name;
    int stream;            /* respond chunked, bytes out as they exist */
    int trim;              /* Kokoro-FastAPI chunk-boundary trimming */
    int captioned;         /* JSON/NDJSON with word timestamps */
    int download_link;     /* tee the audio into the download store */
    /* Speakers ([voice:] tags, SSML, /dev/dialogue): when voices is set, chunk i is spoken by
     * voices[chunk_voice[i]] at chunk_speed[i], and `voice`/`speed` are unused. */
    kokoro_voice **voices; /* owned */
    char **voice_names;    /* owned: the canonical mix of each voice */
    size_t n_voices;
    size_t *chunk_voice;   /* owned, n_chunks entries */
    float *chunk_speed;    /* owned, n_chunks entries */
    int word_voice;        /* word timestamps and timing entries carry "voice" */
    int sse;               /* text/event-stream of speech.audio.delta / speech.audio.done */
    int sse_words;         /* ... with speech.word events */
    int has_seed;          /* noise seeds derive from seed (else every chunk uses seed 0) */
    uint64_t seed;
    int timing;            /* return_timing: per-chunk start/end (X-Timing, or a sidecar file) */
    size_t *turn_spans;    /* owned: /dev/dialogue turn k's text is input[turn_spans[2k], turn_spans[2k+1]) */
    size_t n_turns;
} kk_synth_params;

/* Takes ownership of everything in p (also on failure) and answers the request: a streaming
 * response, a whole body, or an error (400 unsupported format, 503 queue full, ...). */
void kk_synth_respond(kk_server *s, kk_req *req, kk_synth_params *p);
/* Frees what p owns (for routes that fail before kk_synth_respond). */
void kk_synth_params_free(kk_synth_params *p);
#endif
