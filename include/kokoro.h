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

typedef struct {
    float speed;                /* 1.0 = normal; durations are divided by it */
    int zero_noise;             /* 1: the harmonic source draws zeros instead of random numbers */
    uint64_t seed;              /* seed of the per-call RNG when zero_noise == 0 */
    int threads;                /* 0 = library default */
    const char *dump_dir;       /* if set, every intermediate tensor is written there as .npy */
    const char *inject_har_dir; /* test hook: golden dbg_gen_har_spec/phase.npy replace the source STFT */
} kokoro_synth_options;

void kokoro_synth_options_init(kokoro_synth_options *opt);

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

#ifdef __cplusplus
}
#endif
#endif /* KOKORO_H */
