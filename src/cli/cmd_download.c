/* kokoro download: fetch config.json, kokoro-v1_0.pth and the voices/NAME.pt files from the Hugging Face Hub
 * (or the mirror named by HF_ENDPOINT) into the model folder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "download/download.h"

typedef struct {
    double last_draw;
    const char *last_path;
    char finished[512]; /* the file whose bar was completed (and ended with a newline) */
} progress_bar;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Redraws one line on the terminal, at most ten times a second and always at 100 %. */
static void draw_progress(void *ctx, const char *path, uint64_t done, uint64_t total)
{
    progress_bar *p = ctx;
    double t = now_seconds();
    int finished = done >= total;
    if (strcmp(p->finished, path) == 0)
        return;
    if (!finished && p->last_path == path && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    p->last_path = path;
    double frac = total ? (double)done / (double)total : 1.0;
    enum { BAR = 30 };
    char bar[BAR + 1];
    int fill = (int)(frac * BAR);
    for (int i = 0; i < BAR; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR] = '\0';
    fprintf(stderr, "\r%-32.32s [%s] %3d%% %8.1f/%.1f MB", path, bar, (int)(frac * 100), done / 1e6, total / 1e6);
    if (finished) {
        fputc('\n', stderr);
        snprintf(p->finished, sizeof p->finished, "%s", path);
    }
    fflush(stderr);
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "kokoro download: %s%s (see 'kokoro help download')\n", msg, arg ? arg : "");
    return 2;
}

int cmd_download(int argc, char **argv)
{
    const char *model_dir = NULL, *repo = KK_HUB_DEFAULT_REPO, *revision = KK_HUB_DEFAULT_REVISION;
    int if_missing = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--if-missing") == 0) {
            if_missing = 1;
            continue;
        }
        if (strcmp(a, "--model-dir") == 0)
            target = &model_dir;
        else if (strcmp(a, "--repo") == 0)
            target = &repo;
        else if (strcmp(a, "--revision") == 0)
            target = &revision;
        else
            return usage_error("unknown argument ", a);
        if (i + 1 >= argc || argv[i + 1][0] == '\0')
            return usage_error("missing value for ", a);
        *target = argv[++i];
    }

    char dir[4096];
    if (model_dir) {
        snprintf(dir, sizeof dir, "%s", model_dir);
    } else if (kk_model_dir_default(dir, sizeof dir) != 0) {
        fprintf(stderr, "kokoro download: no model folder: set KOKORO_MODEL_DIR or pass --model-dir\n");
        return 2;
    }
    const char *endpoint = getenv("HF_ENDPOINT");
    if (!endpoint || !endpoint[0])
        endpoint = KK_HUB_DEFAULT_ENDPOINT;

    char missing[1024];
    if (if_missing && kk_model_dir_missing(dir, missing, sizeof missing) == 0)
        return 0;

    int tty = isatty(STDERR_FILENO);
    progress_bar bar = {0};
    kk_download_options opt = {
        .endpoint = endpoint,
        .repo = repo,
        .revision = revision,
        .model_dir = dir,
        .token = getenv("HF_TOKEN"),
        .progress = tty ? draw_progress : NULL,
        .progress_ctx = &bar,
        .log = tty ? NULL : stderr,
    };
    kk_download_report report;
    kokoro_error err = {0};
    if (kk_download_model(&opt, &report, &err) != KOKORO_OK) {
        if (tty && bar.last_path && strcmp(bar.finished, bar.last_path) != 0)
            fputc('\n', stderr);
        if (report.unreachable) {
            kk_model_dir_missing(dir, missing, sizeof missing);
            /* Offline is the common case on servers: one line with what is missing and the ways to
             * provide it, nothing else. */
            fprintf(stderr,
                    "kokoro download: %s and %s lacks %s; copy the %s files there, point KOKORO_MODEL_DIR "
                    "at a folder that has them, or set HF_ENDPOINT to a reachable mirror\n",
                    err.message, dir, missing[0] ? missing : "model files", repo);
        } else {
            fprintf(stderr, "kokoro download: %s\n", err.message);
        }
        return 1;
    }
    fprintf(stderr, "kokoro download: %s complete in %s (%zu fetched, %.1f MB; %zu already present)\n", repo, dir,
            report.fetched, report.bytes / 1e6, report.kept);
    return 0;
}
