#include "server/settings.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kokoro.h"

const char kk_serve_usage[] =
    "usage: kokoro serve [--host H] [--port P] [--model FILE [--config FILE] | --model-dir DIR]\n"
    "                    [--voices-dir DIR] [--workers N] [--threads N] [--max-queue N]\n"
    "                    [--max-queue-wait S] [--first-chunk PHONEMES]\n"
    "                    [--max-body BYTES] [--max-input CHARS] [--request-timeout S]\n"
    "                    [--temp-dir DIR] [--allow-voice-saving] [--quiet]\n"
    "environment: HOST PORT KOKORO_MODEL_DIR VOICES_DIR API_KEYS CORS_ENABLED CORS_ORIGINS\n"
    "  ALLOW_LOCAL_VOICE_SAVING TEMP_FILE_DIR MAX_TEMP_DIR_COUNT MAX_TEMP_DIR_AGE_HOURS\n"
    "  MAX_TEMP_DIR_SIZE_MB DEFAULT_VOICE DEFAULT_VOICE_CODE DEFAULT_VOLUME_MULTIPLIER\n"
    "  ADVANCED_TEXT_NORMALIZATION KOKORO_WORKERS KOKORO_MAX_QUEUE KOKORO_MAX_QUEUE_WAIT_S\n"
    "  KOKORO_FIRST_CHUNK_PHONEMES\n"
    "  MAX_BODY_BYTES MAX_INPUT_CHARS\n"
    "  REQUEST_TIMEOUT_S IDLE_TIMEOUT_S BODY_TIMEOUT_S MAX_CONNECTIONS SHUTDOWN_TIMEOUT_S\n"
    "  PROTECT_HEALTH_METRICS ACCESS_LOG ENABLE_WEB_PLAYER\n"
    "Model loading happens before the port opens; a missing model exits with code 1.\n";

static int env_bool(const char *name, int def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
        return 1;
    if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
        return 0;
    return def;
}

static double env_num(const char *name, double def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    double d = strtod(v, &end);
    return (*end == '\0' && d == d) ? d : def;
}

static void env_str(const char *name, char *dst, size_t cap)
{
    const char *v = getenv(name);
    if (v && *v)
        snprintf(dst, cap, "%s", v);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    memmove(s, s + i, n - i + 1);
}

/* Accepts "a,b" as well as Kokoro-FastAPI's JSON-list spelling '["a","b"]'. */
static void normalize_list(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++)
        if (*p != '[' && *p != ']' && *p != '"' && *p != '\'')
            *w++ = *p;
    *w = '\0';
}

static void set_api_keys(kk_settings *s, const char *list)
{
    for (char **k = s->api_keys; k && *k; k++)
        free(*k);
    free(s->api_keys);
    s->api_keys = NULL;
    if (!list || !*list)
        return;
    char *copy = strdup(list);
    if (!copy)
        return;
    normalize_list(copy);
    size_t n = 1;
    for (char *p = copy; *p; p++)
        n += *p == ',';
    s->api_keys = calloc(n + 1, sizeof *s->api_keys);
    size_t k = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && s->api_keys;
         tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        if (*tok)
            s->api_keys[k++] = strdup(tok);
    }
    free(copy);
}

void kk_settings_init(kk_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->host, sizeof s->host, "0.0.0.0");
    s->port = 8880;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s->workers = cores > 0 ? (int)cores : 1;
    s->threads = 0; /* the shared compute pool: every core */
    s->max_queue = 64;
    s->max_queue_wait_s = 120;
    s->first_chunk_phonemes = KOKORO_FIRST_CHUNK_PHONEMES;
    s->max_body_bytes = 1u << 20;
    s->max_input_chars = 100000;
    s->request_timeout_s = 600;
    s->idle_timeout_s = 30;
    s->body_timeout_s = 30;
    s->max_connections = 256;
    s->shutdown_timeout_s = 10;
    s->cors_enabled = 1;
    snprintf(s->cors_origins, sizeof s->cors_origins, "*");
    const char *tmp = getenv("TMPDIR");
    snprintf(s->temp_dir, sizeof s->temp_dir, "%s/kokoro-downloads", tmp && *tmp ? tmp : "/tmp");
    s->max_temp_count = 3;
    s->max_temp_age_hours = 1;
    s->max_temp_size_mb = 2048;
    s->default_volume = 1.0f;
    snprintf(s->default_voice, sizeof s->default_voice, "af_heart");
    snprintf(s->default_voice_code, sizeof s->default_voice_code, "a");
    s->advanced_normalization = 1;
    s->access_log = 1;

    env_str("HOST", s->host, sizeof s->host);
    s->port = (int)env_num("PORT", s->port);
    env_str("KOKORO_MODEL_DIR", s->model_dir, sizeof s->model_dir);
    env_str("VOICES_DIR", s->voices_dir, sizeof s->voices_dir);
    s->workers = (int)env_num("KOKORO_WORKERS", s->workers);
    s->threads = (int)env_num("KOKORO_THREADS", s->threads);
    const char *prec = getenv("KOKORO_PRECISION");
    s->precision = !prec || !*prec || !strcasecmp(prec, "fp32") ? KOKORO_PRECISION_FP32
                   : !strcasecmp(prec, "bf16")                  ? KOKORO_PRECISION_BF16
                                                                : -1;
    s->max_queue = (size_t)env_num("KOKORO_MAX_QUEUE", (double)s->max_queue);
    s->max_queue_wait_s = env_num("KOKORO_MAX_QUEUE_WAIT_S", s->max_queue_wait_s);
    double fc = env_num("KOKORO_FIRST_CHUNK_PHONEMES", (double)s->first_chunk_phonemes);
    s->first_chunk_phonemes = fc > 0 ? (fc < KOKORO_MAX_PHONEMES ? (size_t)fc : KOKORO_MAX_PHONEMES) : 0;
    s->max_body_bytes = (size_t)env_num("MAX_BODY_BYTES", (double)s->max_body_bytes);
    s->max_input_chars = (size_t)env_num("MAX_INPUT_CHARS", (double)s->max_input_chars);
    s->request_timeout_s = env_num("REQUEST_TIMEOUT_S", s->request_timeout_s);
    s->idle_timeout_s = (unsigned)env_num("IDLE_TIMEOUT_S", s->idle_timeout_s);
    s->body_timeout_s = env_num("BODY_TIMEOUT_S", s->body_timeout_s);
    s->max_connections = (unsigned)env_num("MAX_CONNECTIONS", s->max_connections);
    s->shutdown_timeout_s = env_num("SHUTDOWN_TIMEOUT_S", s->shutdown_timeout_s);
    s->test_chunk_delay_ms = (unsigned)env_num("KOKORO_TEST_CHUNK_DELAY_MS", 0);
    set_api_keys(s, getenv("API_KEYS"));
    s->protect_health = env_bool("PROTECT_HEALTH_METRICS", 0);
    s->cors_enabled = env_bool("CORS_ENABLED", s->cors_enabled);
    env_str("CORS_ORIGINS", s->cors_origins, sizeof s->cors_origins);
    normalize_list(s->cors_origins);
    s->allow_voice_saving = env_bool("ALLOW_LOCAL_VOICE_SAVING", 0);
    env_str("TEMP_FILE_DIR", s->temp_dir, sizeof s->temp_dir);
    s->max_temp_count = (int)env_num("MAX_TEMP_DIR_COUNT", s->max_temp_count);
    s->max_temp_age_hours = env_num("MAX_TEMP_DIR_AGE_HOURS", s->max_temp_age_hours);
    s->max_temp_size_mb = env_num("MAX_TEMP_DIR_SIZE_MB", s->max_temp_size_mb);
    s->default_volume = (float)env_num("DEFAULT_VOLUME_MULTIPLIER", s->default_volume);
    env_str("DEFAULT_VOICE", s->default_voice, sizeof s->default_voice);
    env_str("DEFAULT_VOICE_CODE", s->default_voice_code, sizeof s->default_voice_code);
    s->advanced_normalization = env_bool("ADVANCED_TEXT_NORMALIZATION", 1);
    s->access_log = env_bool("ACCESS_LOG", 1);
    s->web_player = env_bool("ENABLE_WEB_PLAYER", 1);
    s->enable_voice_tags = env_bool("ENABLE_VOICE_TAGS", 1);
    s->enable_ssml = env_bool("ENABLE_SSML", 1);
    s->ssml_max_depth = (int)env_num("SSML_MAX_DEPTH", 10);
    if (s->ssml_max_depth < 1)
        s->ssml_max_depth = 1;
}

void kk_settings_free(kk_settings *s)
{
    set_api_keys(s, NULL);
}

static int parse_pos(const char *flag, const char *v, double lo, double hi, double *out, char *err, size_t errlen)
{
    char *end;
    double d = v ? strtod(v, &end) : 0;
    if (!v || *end != '\0' || !(d >= lo && d <= hi)) {
        snprintf(err, errlen, "kokoro serve: %s needs a number in [%g, %g]", flag, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

int kk_settings_parse_args(kk_settings *s, int argc, char **argv, char *err, size_t errlen)
{
    if (s->precision < 0) {
        snprintf(err, errlen, "kokoro serve: KOKORO_PRECISION wants fp32 or bf16, got '%s'",
                 getenv("KOKORO_PRECISION") ? getenv("KOKORO_PRECISION") : "");
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
#define STR_FLAG(name, dst)                                                                   \
    if (!strcmp(a, name)) {                                                                   \
        if (!v) {                                                                             \
            snprintf(err, errlen, "kokoro serve: %s needs a value", name);                    \
            return -1;                                                                        \
        }                                                                                     \
        snprintf(dst, sizeof dst, "%s", v);                                                   \
        i++;                                                                                  \
        continue;                                                                             \
    }
#define NUM_FLAG(name, lo, hi, dst)                                                           \
    if (!strcmp(a, name)) {                                                                   \
        if (parse_pos(name, v, lo, hi, &d, err, errlen))                                      \
            return -1;                                                                        \
        dst = d;                                                                              \
        i++;                                                                                  \
        continue;                                                                             \
    }
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return 1;
        STR_FLAG("--host", s->host)
        STR_FLAG("--model", s->model_path)
        STR_FLAG("--config", s->config_path)
        STR_FLAG("--model-dir", s->model_dir)
        STR_FLAG("--voices-dir", s->voices_dir)
        STR_FLAG("--temp-dir", s->temp_dir)
        NUM_FLAG("--port", 0, 65535, s->port)
        NUM_FLAG("--workers", 1, 256, s->workers)
        NUM_FLAG("--threads", 0, 256, s->threads)
        NUM_FLAG("--max-queue", 1, 1e6, s->max_queue)
        NUM_FLAG("--max-queue-wait", 0.1, 1e6, s->max_queue_wait_s)
        NUM_FLAG("--first-chunk", 0, KOKORO_MAX_PHONEMES, s->first_chunk_phonemes)
        NUM_FLAG("--max-body", 1024, 1e10, s->max_body_bytes)
        NUM_FLAG("--max-input", 1, 1e9, s->max_input_chars)
        NUM_FLAG("--request-timeout", 1, 1e6, s->request_timeout_s)
        if (!strcmp(a, "--allow-voice-saving")) {
            s->allow_voice_saving = 1;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            s->access_log = 0;
            continue;
        }
#undef STR_FLAG
#undef NUM_FLAG
        snprintf(err, errlen, "kokoro serve: unknown option '%s' (see 'kokoro help serve')", a);
        return -1;
    }
    if (s->workers < 1 || s->max_queue < 1 || s->port < 0 || s->port > 65535 || !(s->max_queue_wait_s > 0)) {
        snprintf(err, errlen, "kokoro serve: workers, max queue, max queue wait and port must be positive");
        return -1;
    }
    return 0;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int kk_settings_resolve_model(kk_settings *s, char *err, size_t errlen)
{
    if (s->model_path[0]) {
        if (!is_file(s->model_path)) {
            snprintf(err, errlen, "kokoro serve: model file '%s' does not exist", s->model_path);
            return -1;
        }
        if (!s->voices_dir[0]) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", s->model_path);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            else
                snprintf(dir, sizeof dir, ".");
            snprintf(s->voices_dir, sizeof s->voices_dir, "%.*s/voices", PATH_MAX - 8, dir);
        }
        return 0;
    }
    if (!s->model_dir[0]) {
        const char *home = getenv("HOME");
        snprintf(s->model_dir, sizeof s->model_dir, "%s/.local/share/kokoro/Kokoro-82M",
                 home && *home ? home : ".");
    }
    if (!is_dir(s->model_dir)) {
        snprintf(err, errlen,
                 "kokoro serve: model folder '%s' does not exist (run 'kokoro download' or pass "
                 "--model FILE / --model-dir DIR)", s->model_dir);
        return -1;
    }
    char preferred[PATH_MAX];
    snprintf(preferred, sizeof preferred, "%.*s/kokoro-v1_0.pth", PATH_MAX - 20, s->model_dir);
    if (is_file(preferred)) {
        snprintf(s->model_path, sizeof s->model_path, "%s", preferred);
    } else {
        DIR *d = opendir(s->model_dir);
        int found = 0;
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || !(has_suffix(e->d_name, ".pth") || has_suffix(e->d_name, ".safetensors")))
                    continue;
                char p[PATH_MAX];
                snprintf(p, sizeof p, "%.*s/%.*s", PATH_MAX / 2, s->model_dir, PATH_MAX / 2 - 2, e->d_name);
                if (!is_file(p))
                    continue;
                if (found++ == 0)
                    snprintf(s->model_path, sizeof s->model_path, "%s", p);
            }
            closedir(d);
        }
        if (found == 0) {
            snprintf(err, errlen,
                     "kokoro serve: no checkpoint (.pth or .safetensors) in '%s' (run 'kokoro download' "
                     "or pass --model FILE)", s->model_dir);
            return -1;
        }
        if (found > 1) {
            snprintf(err, errlen, "kokoro serve: several checkpoints in '%s'; choose one with --model FILE",
                     s->model_dir);
            return -1;
        }
    }
    if (!s->voices_dir[0])
        snprintf(s->voices_dir, sizeof s->voices_dir, "%.*s/voices", PATH_MAX - 8, s->model_dir);
    return 0;
}
