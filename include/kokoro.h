/*
 * kokoro.h — the public API of libkokoro: Kokoro-82M text-to-speech in C.
 *
 * Data flow: text → normalise → chunk → phonemes → token ids → model → float PCM → encoder.
 *
 * Conventions
 *  - Every fallible function returns a kokoro_status (KOKORO_OK == 0) and, when given a non-NULL
 *    kokoro_error*, fills it with a one-line human-readable message. The library never exits.
 *  - Whoever allocates frees: objects returned through an out-pointer are released with the
 *    matching kokoro_*_free function; strings returned as char* are released with free().
 *  - A kokoro_model is read-only after loading and may be shared by any number of threads;
 *    all per-call state lives inside the call.
 */
#ifndef KOKORO_H
#define KOKORO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KOKORO_SAMPLE_RATE 24000
#define KOKORO_MAX_PHONEMES 510

/* ---------------------------------------------------------------- errors */

typedef enum {
    KOKORO_OK = 0,
    KOKORO_ERR_INVALID_ARGUMENT, /* caller passed something unusable (bad option, bad syntax) */
    KOKORO_ERR_NOT_FOUND,        /* file, voice, key or language that does not exist */
    KOKORO_ERR_IO,               /* read/write/network failure */
    KOKORO_ERR_FORMAT,           /* file exists but its contents are malformed or inconsistent */
    KOKORO_ERR_UNSUPPORTED,      /* valid request this build cannot do (yet) */
    KOKORO_ERR_TOO_LONG,         /* input beyond a documented limit */
    KOKORO_ERR_NO_MEMORY,
    KOKORO_ERR_CANCELLED,
    KOKORO_ERR_INTERNAL
} kokoro_status;

typedef struct {
    kokoro_status code;
    char message[512];
} kokoro_error;

/* Short stable name of a status code, e.g. "not_found". */
const char *kokoro_status_name(kokoro_status code);

/* Version string of the library ("0.1.0"). */
const char *kokoro_version(void);

/* ---------------------------------------------------------------- model (engine issue) */

typedef struct kokoro_model kokoro_model; /* Config + Weights: loaded once, read-only, thread-shared. */

/* Loads a checkpoint (.pth as distributed, or .safetensors written by `kokoro convert`).
 * config_path may be NULL: then config.json next to model_path is used. */
kokoro_status kokoro_model_load(const char *model_path, const char *config_path,
                                kokoro_model **out, kokoro_error *err);
void kokoro_model_free(kokoro_model *model);
/* Calls keep the scratch memory they give back (up to KOKORO_SCRATCH_CACHE_MB, default 256 MiB),
 * so that the next call does not fault in fresh pages; this returns it to the system (for an
 * idle server). Thread-safe; calls in progress are not affected. */
void kokoro_model_release_scratch(const kokoro_model *model);

/* ---------------------------------------------------------------- voices (engine issue) */

typedef struct kokoro_voice kokoro_voice; /* A style pack: rows × 256 float32 (rows is 510). */

/* Loads a .pt (torch zip, [510,1,256]) or raw .bin (float32 [510][256]) voice pack. */
kokoro_status kokoro_voice_load(const char *path, kokoro_voice **out, kokoro_error *err);

/* Resolves a voice expression against a voices directory: a name ("af_heart"), a path, or a mix
 * ("a+b", "a(2)+b(1)", "a-b"; weights divided by the sum of all weights). A name never escapes
 * voices_dir. */
kokoro_status kokoro_voice_resolve(const char *voices_dir, const char *expression,
                                   kokoro_voice **out, kokoro_error *err);
void kokoro_voice_free(kokoro_voice *voice);

/* ---------------------------------------------------------------- synthesis (engine issue) */

/* A pool of compute threads that synthesis calls share. A call given a pool splits its parallel
 * work between its own thread and the pool's, and concurrent calls on one pool queue their work
 * first come first served: a lone call uses every thread, several share them, none oversubscribes
 * the machine. Without a pool a call starts `threads` - 1 threads of its own for its duration.
 * Thread-safe; must outlive the calls that use it. */
typedef struct kokoro_pool kokoro_pool;

/* threads: the threads a call on this pool computes with, its own included (0 = the CPUs the
 * process may use); the pool starts threads - 1. */
kokoro_status kokoro_pool_new(int threads, kokoro_pool **out, kokoro_error *err);
void kokoro_pool_free(kokoro_pool *pool);

typedef struct {
    float speed;                /* 1.0 = normal; durations are divided by it */
    int zero_noise;             /* 1: the harmonic source draws zeros instead of random numbers */
    uint64_t seed;              /* seed of the per-call RNG when zero_noise == 0 */
    int threads;                /* ways this call splits its parallel work; 0 = the pool's threads
                                 * (its workers + the caller), or without a pool the CPUs the
                                 * process may use. libkokoro parallelises each call itself and
                                 * runs OpenBLAS single-threaded (set once when a model is loaded,
                                 * since OpenBLAS's thread count is process-wide). The audio does
                                 * not depend on it. */
    const char *dump_dir;       /* if set, every intermediate tensor is written there as .npy */
    const char *inject_har_dir; /* test hook: golden dbg_gen_har_spec/phase.npy replace the source STFT */
    int compact;                /* the generator's audio-rate stage buffers: 0 = automatic (compact
                                 * where one would exceed 48 MiB as float32: long utterances),
                                 * 1 = always compact, -1 = never. Compact buffers keep 24 of each
                                 * value's 32 bits (relative rounding <= 2^-16) and one resblock per
                                 * stage recomputes a convolution instead of storing it: about 40 %
                                 * less peak memory on long inputs for ~10 % more generator time. */
    int direct_conv;            /* 1: every convolution by the direct method (the reference path
                                 * the fast FFT convolutions are tested against); 0 = fastest. */
    kokoro_pool *pool;          /* shared compute threads (kokoro_pool_new); NULL = the call's own */
    int precision;              /* KOKORO_PRECISION_FP32 (default) or _BF16: the generator
                                 * resblocks' convolution GEMMs with bf16 operands and float32
                                 * sums, where the CPU has a bf16 kernel (AMX-BF16 or
                                 * AVX512-BF16; CPU engine only). Audio SNR against float32 about
                                 * 38 dB (full-size model) to 53 dB (golden tiny model); without
                                 * a kernel the call computes in float32 (see
                                 * kokoro_precision_effective). Independent of the thread count. */
} kokoro_synth_options;

#define KOKORO_PRECISION_FP32 0
#define KOKORO_PRECISION_BF16 1

void kokoro_synth_options_init(kokoro_synth_options *opt);
/* The precision a call asking for `precision` computes in on this CPU: KOKORO_PRECISION_BF16 only
 * where a bf16 kernel runs (KOKORO_GEMM_BF16=off or KOKORO_GEMM_ISA=avx2 turn it off), else
 * KOKORO_PRECISION_FP32. */
int kokoro_precision_effective(int precision);

typedef struct {
    float *samples;        /* mono float PCM at KOKORO_SAMPLE_RATE */
    size_t n_samples;
    int32_t *durations;    /* frames per token, including the two boundary tokens */
    size_t n_tokens;
    int frame_samples;     /* samples per duration frame (600 for Kokoro v1.0) */
} kokoro_audio;

/* Synthesises one chunk of phonemes (misaki alphabet, at most KOKORO_MAX_PHONEMES tokens).
 * Symbols outside the model vocabulary are dropped but still count for the voice row. */
kokoro_status kokoro_synthesize(const kokoro_model *model, const kokoro_voice *voice,
                                const char *phonemes, const kokoro_synth_options *opt,
                                kokoro_audio *out, kokoro_error *err);
void kokoro_audio_free(kokoro_audio *audio);

/* ---------------------------------------------------------------- text front end (text issue) */

/* Kokoro-FastAPI's normalization_options, same names and defaults. */
typedef struct {
    int normalize;                            /* 1: master switch ("normalize": false turns all off) */
    int unit_normalization;                   /* 0 */
    int url_normalization;                    /* 1 */
    int email_normalization;                  /* 1 */
    int optional_pluralization_normalization; /* 1 */
    int phone_normalization;                  /* 1 */
    int replace_remaining_symbols;            /* 1 */
} kokoro_normalization_options;

void kokoro_normalization_options_init(kokoro_normalization_options *opt);

/* Maps a byte range of normalised text back to the byte range of the original text it came from. */
typedef struct {
    size_t out_start, out_end;
    size_t src_start, src_end;
} kokoro_span;

/* English normaliser. *out_text is malloc'd; *spans (malloc'd, may be NULL if spans==NULL) cover
 * out_text in order. lang: Kokoro language code ("a", "b", ...); non-English text is returned as is. */
kokoro_status kokoro_normalize(const char *text, const char *lang,
                               const kokoro_normalization_options *opt, char **out_text,
                               kokoro_span **spans, size_t *n_spans, kokoro_error *err);

/* One word of a chunk: where it is in the original input and which phonemes speak it. */
typedef struct {
    size_t src_start, src_end; /* byte span in the original input text */
    size_t ph_start, ph_end;   /* code-point span in the chunk's phoneme string */
} kokoro_word;

/* A unit of synthesis: at most KOKORO_MAX_PHONEMES phonemes, or a pause. */
typedef struct {
    char *phonemes;            /* misaki phonemes (UTF-8); empty for a pause */
    char *text;                /* the text this chunk speaks (normalised) */
    size_t src_start, src_end; /* byte span in the original input */
    double pause_s;            /* > 0: silence of this length instead of speech ([pause:1.5s]) */
    kokoro_word *words;
    size_t n_words;
    int joins_next;            /* cut inside its clause to start the audio sooner (see
                                * kokoro_text_to_chunks_ex): no pause belongs after it */
} kokoro_chunk;

/* G2P state: lexicons and espeak-ng. One per process is enough; every function taking it is
 * thread-safe (espeak-ng calls are serialised inside behind one lock). */
typedef struct kokoro_frontend kokoro_frontend;

kokoro_status kokoro_frontend_new(kokoro_frontend **out, kokoro_error *err);
void kokoro_frontend_free(kokoro_frontend *fe);


/* Normalises (per opt), splits and phonemizes text. Language codes as Kokoro: a b e f h i j p
 * (z: KOKORO_ERR_UNSUPPORTED; j without its MeCab dictionary, $KOKORO_JA_DICT: likewise). No
 * input text is ever dropped. The first chunk is short. */
kokoro_status kokoro_text_to_chunks(kokoro_frontend *fe, const char *text, const char *lang,
                                    const kokoro_normalization_options *opt,
                                    kokoro_chunk **chunks, size_t *n_chunks, kokoro_error *err);
void kokoro_chunks_free(kokoro_chunk *chunks, size_t n_chunks);

/* The same with the first chunk's length chosen. The first chunk is what a listener waits for:
 * it ends at the first clause mark (, ; : . ! ? — …), and when the first clause is longer than
 * 3/2 of first_chunk_phonemes, at a word boundary within that many phonemes instead (before a
 * word such as "and", "the", "with" where one fits), so that the audio starts after a few words
 * rather than after a whole long sentence; the rest of the sentence follows with no pause
 * (joins_next). 0 turns the word cut off. kokoro_text_to_chunks uses
 * KOKORO_FIRST_CHUNK_PHONEMES. */
#define KOKORO_FIRST_CHUNK_PHONEMES 20
kokoro_status kokoro_text_to_chunks_ex(kokoro_frontend *fe, const char *text, const char *lang,
                                       const kokoro_normalization_options *opt,
                                       size_t first_chunk_phonemes, kokoro_chunk **chunks,
                                       size_t *n_chunks, kokoro_error *err);

/* Phonemes of a whole text without chunking (for /dev/phonemize). *phonemes is malloc'd. */
kokoro_status kokoro_phonemize(kokoro_frontend *fe, const char *text, const char *lang,
                               char **phonemes, kokoro_error *err);

/* Token ids of a phoneme string per the model vocabulary (unknown symbols dropped), without the
 * boundary zeros. *ids is malloc'd. */
kokoro_status kokoro_tokenize(const kokoro_model *model, const char *phonemes, int64_t **ids,
                              size_t *n_ids, kokoro_error *err);

/* ---------------------------------------------------------------- audio out (audio issue) */

typedef enum {
    KOKORO_FORMAT_MP3,
    KOKORO_FORMAT_OPUS,
    KOKORO_FORMAT_AAC,
    KOKORO_FORMAT_FLAC,
    KOKORO_FORMAT_WAV,
    KOKORO_FORMAT_PCM
} kokoro_format;

/* "mp3", "opus", "aac", "flac", "wav", "pcm" (case-insensitive). */
kokoro_status kokoro_format_from_name(const char *name, kokoro_format *out, kokoro_error *err);
const char *kokoro_format_name(kokoro_format format);
const char *kokoro_format_mime(kokoro_format format);

typedef struct {
    int bitrate_kbps;      /* 0 = format default (mp3 128, opus 96, aac 128) */
    int compression_level; /* flac, 0..8; -1 = default 5 */
    int streaming;         /* 1: output will be sent as it is produced (wav uses 0xFFFFFFFF sizes).
                            * 0: wav, flac and mp3 hold their output until finish so that headers
                            * are exact (RIFF sizes; STREAMINFO length and MD5; LAME Info tag);
                            * pcm and aac are delivered incrementally either way; opus too, but
                            * with libopusenc's default look-ahead and page size (~2 s later). */
    float volume;          /* multiplier applied before int16 conversion (with clipping); 1.0 */
} kokoro_encoder_options;

void kokoro_encoder_options_init(kokoro_encoder_options *opt);

/* Receives encoded bytes as soon as the codec produces them. Return 0 to continue, non-zero to
 * abort (the encoder call then returns KOKORO_ERR_CANCELLED). */
typedef int (*kokoro_sink)(void *ctx, const uint8_t *data, size_t len);

typedef struct kokoro_encoder kokoro_encoder;

kokoro_status kokoro_encoder_open(kokoro_format format, int sample_rate,
                                  const kokoro_encoder_options *opt, kokoro_sink sink, void *ctx,
                                  kokoro_encoder **out, kokoro_error *err);
kokoro_status kokoro_encoder_push(kokoro_encoder *enc, const float *samples, size_t n,
                                  kokoro_error *err);
/* Flushes the codec and writes trailers; call once. */
kokoro_status kokoro_encoder_finish(kokoro_encoder *enc, kokoro_error *err);
void kokoro_encoder_free(kokoro_encoder *enc);

/* Chunk joins as Kokoro-FastAPI does them (silence trimming at -45 dBFS with its paddings), plus a
 * raised-cosine fade at each cut. Works in place; returns the new length. is_first/is_last say
 * where the chunk sits in its stream.
 * Samples are float at KOKORO_SAMPLE_RATE, before the volume multiplier. 1 ms is cut from each
 * end, then everything earlier than 50 ms before the first sample above -45 dBFS and later than
 * 50 ms after the last one; both ends then get a raised-cosine fade of 5 ms (less for chunks
 * shorter than 10 ms), so a chunk starts and ends at zero. An all-silent chunk loses only the
 * 1 ms ends. Every edge, the stream's own start and end included, is treated alike. */
size_t kokoro_trim_chunk(float *samples, size_t n, int is_first, int is_last);
/* The range kokoro_trim_chunk keeps, without touching the samples: [*start, *start + returned
 * length). Word timestamps of the chunk move earlier by *start samples. */
size_t kokoro_trim_range(const float *samples, size_t n, size_t *start);
/* Seconds of silence to insert after a (trimmed) chunk that is not the last, by the last
 * non-blank character of its text: FastAPI's trailing pad of 410 ms x {'.':1 '!':0.9 '?':1 ',':0.8,
 * else 1} - 50 ms, less the 50 ms kokoro_trim_chunk already kept ('.' gives 0.31 s). NULL or empty
 * text counts as '.'. FastAPI divides its whole pad by the speed s; to match it exactly insert
 * (kokoro_pause_after(text) + 0.05) / s - 0.05 seconds (never below 0). */
double kokoro_pause_after(const char *chunk_text);

#ifdef __cplusplus
}
#endif
#endif /* KOKORO_H */
