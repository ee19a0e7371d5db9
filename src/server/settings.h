/* settings — what `kokoro serve` is configured with: command-line flags over environment
 * variables (Kokoro-FastAPI's names where it has one) over defaults. */
#ifndef KOKORO_SERVER_SETTINGS_H
#define KOKORO_SERVER_SETTINGS_H
#include <limits.h>
#include <stddef.h>

typedef struct {
    char host[256];
    int port;
    char model_path[PATH_MAX];  /* resolved checkpoint file */
    char config_path[PATH_MAX]; /* empty: config.json next to the checkpoint */
    char model_dir[PATH_MAX];
    char voices_dir[PATH_MAX];
    int workers;          /* synthesis threads in the pool */
    int threads;          /* BLAS/compute threads per synthesis call (0 = library default) */
    int precision;        /* KOKORO_PRECISION: fp32|bf16 -> kokoro_synth_options.precision; -1
                           * after an unknown value (kk_settings_parse_args reports it) */
    size_t max_queue;     /* admitted requests beyond which 503 */
    double max_queue_wait_s; /* queued audio / measured rate beyond which 503 (admission.h) */
    size_t first_chunk_phonemes; /* KOKORO_FIRST_CHUNK_PHONEMES: kokoro_text_to_chunks_ex; 0 = off */
    size_t max_body_bytes;
    size_t max_input_chars;
    double request_timeout_s;
    unsigned idle_timeout_s;
    double body_timeout_s;
    unsigned max_connections;
    double shutdown_timeout_s;
    char **api_keys;      /* NULL-terminated; NULL or empty = no auth */
    int protect_health;   /* 1: /health and /metrics need a key too */
    int cors_enabled;
    char cors_origins[1024]; /* comma-separated; "*" = any */
    int allow_voice_saving;
    char temp_dir[PATH_MAX];
    int max_temp_count;
    double max_temp_age_hours;
    double max_temp_size_mb;
    float default_volume;
    char default_voice[128];
    char default_voice_code[8];
    int advanced_normalization;
    int access_log;
    int web_player;       /* serve the embedded page at /web/ */
    int enable_voice_tags; /* ENABLE_VOICE_TAGS: [voice:]/[rate:] tags and /dev/dialogue */
    int enable_ssml;       /* ENABLE_SSML */
    int ssml_max_depth;    /* SSML_MAX_DEPTH: deeper element nesting gets 400 */
    /* KOKORO_TEST_CHUNK_DELAY_MS: each chunk takes this much longer, so that the tests can make
     * synthesis slower than a timeout with the tiny fixture model. Not a user setting. */
    unsigned test_chunk_delay_ms;
} kk_settings;

/* Defaults, then environment. */
void kk_settings_init(kk_settings *s);
/* Applies flags (argv[0] is the command name). Returns 0, or -1 with a message in err;
 * 1 when --help was asked. */
int kk_settings_parse_args(kk_settings *s, int argc, char **argv, char *err, size_t errlen);
/* Finds the checkpoint and voices folder from --model / --model-dir / KOKORO_MODEL_DIR.
 * Returns 0 or -1 with a one-line message. */
int kk_settings_resolve_model(kk_settings *s, char *err, size_t errlen);
void kk_settings_free(kk_settings *s);

extern const char kk_serve_usage[];
#endif
