#include "cli/model_args.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "download/download.h"
#include "nn/gemm_bf16.h"

void cli_model_args_init(cli_model_args *a)
{
    memset(a, 0, sizeof *a);
}

int cli_model_args_parse(cli_model_args *a, const char *opt, const char *val)
{
    const char **slot = NULL;
    if (!strcmp(opt, "--model"))
        slot = &a->model;
    else if (!strcmp(opt, "--model-dir"))
        slot = &a->model_dir;
    else if (!strcmp(opt, "--config"))
        slot = &a->config;
    else if (!strcmp(opt, "--voices-dir"))
        slot = &a->voices_dir_opt;
    if (!slot)
        return 0;
    if (!val) {
        fprintf(stderr, "kokoro: %s needs a value\n", opt);
        return -1;
    }
    *slot = val;
    return 2;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The single checkpoint file in dir, or an error if there is none or several. */
static int find_checkpoint(const char *dir, char *out, size_t n, const char *cmd)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "kokoro %s: cannot open model directory %s\n", cmd, dir);
        return -1;
    }
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (ends_with(e->d_name, ".pth") || ends_with(e->d_name, ".safetensors")) {
            if (found++ == 0 && snprintf(out, n, "%s/%s", dir, e->d_name) >= (int)n)
                found = 2; /* a path that does not fit is as unusable as an ambiguous one */
        }
    }
    closedir(d);
    if (found != 1) {
        fprintf(stderr, "kokoro %s: %s holds %d checkpoints (.pth/.safetensors); use --model\n",
                cmd, dir, found);
        return -1;
    }
    return 0;
}

int cli_model_args_load(cli_model_args *a, const char *cmd, kokoro_model **out)
{
    if (!a->model) {
        if (!a->model_dir) {
            if (kk_model_dir_default(a->dir_buf, sizeof a->dir_buf) != 0) {
                fprintf(stderr, "kokoro %s: give --model FILE or --model-dir DIR (or set "
                        "KOKORO_MODEL_DIR)\n", cmd);
                return -1;
            }
            a->model_dir = a->dir_buf;
        }
        if (find_checkpoint(a->model_dir, a->model_buf, sizeof a->model_buf, cmd) != 0)
            return -1;
        a->model = a->model_buf;
    }
    if (a->voices_dir_opt) {
        a->voices_dir = a->voices_dir_opt;
    } else {
        const char *slash = strrchr(a->model, '/');
        if (slash)
            snprintf(a->voices_buf, sizeof a->voices_buf, "%.*s/voices", (int)(slash - a->model),
                     a->model);
        else
            snprintf(a->voices_buf, sizeof a->voices_buf, "voices");
        a->voices_dir = a->voices_buf;
    }
    kokoro_error err;
    if (kokoro_model_load(a->model, a->config, out, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro %s: %s\n", cmd, err.message);
        return -1;
    }
    return 0;
}

int cli_parse_compact(const char *cmd, const char *val, int *compact)
{
    if (!strcmp(val, "auto"))
        *compact = 0;
    else if (!strcmp(val, "on"))
        *compact = 1;
    else if (!strcmp(val, "off"))
        *compact = -1;
    else {
        fprintf(stderr, "kokoro %s: --compact wants auto, on or off, got '%s'\n", cmd, val);
        return -1;
    }
    return 0;
}

int cli_parse_conv(const char *cmd, const char *val, int *direct)
{
    if (!strcmp(val, "fast"))
        *direct = 0;
    else if (!strcmp(val, "direct"))
        *direct = 1;
    else {
        fprintf(stderr, "kokoro %s: --conv wants fast or direct, got '%s'\n", cmd, val);
        return -1;
    }
    return 0;
}

int cli_parse_precision(const char *cmd, const char *val, int *precision)
{
    if (!strcmp(val, "fp32"))
        *precision = KOKORO_PRECISION_FP32;
    else if (!strcmp(val, "bf16"))
        *precision = KOKORO_PRECISION_BF16;
    else {
        fprintf(stderr, "kokoro %s: --precision wants fp32 or bf16, got '%s'\n", cmd, val);
        return -1;
    }
    return 0;
}

const char *cli_precision_label(int precision)
{
    if (precision != KOKORO_PRECISION_BF16)
        return "fp32";
    switch (kk_gemm_bf16_isa()) {
    case KK_BF16_AMX:
        return "bf16 (AMX-BF16)";
    case KK_BF16_AVX512:
        return "bf16 (AVX512-BF16)";
    default:
        return "fp32 (bf16 unavailable: no AMX-BF16, AVX512-BF16 absent or measured slower than "
               "float32, or KOKORO_GEMM_BF16=off; computing in float32)";
    }
}
