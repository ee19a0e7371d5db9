/* Fetching the Kokoro-82M files from a Hugging Face Hub endpoint (or a mirror of its HTTP API).
 *
 * The file list comes from the Hub's tree API (path, size and, for LFS files, the sha256 of the
 * contents); each file is fetched from `{endpoint}/{repo}/resolve/{revision}/{path}` into
 * `{path}.part`, resumed with an HTTP Range request when a partial file exists, verified (size,
 * and sha256 where the Hub publishes it) and only then renamed to its final name. */
#ifndef KOKORO_DOWNLOAD_DOWNLOAD_H
#define KOKORO_DOWNLOAD_DOWNLOAD_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kokoro.h"

#define KK_HUB_DEFAULT_ENDPOINT "https://huggingface.co"
#define KK_HUB_DEFAULT_REPO "hexgrad/Kokoro-82M"
#define KK_HUB_DEFAULT_REVISION "main"

/* Progress callback: bytes of `path` on disk so far out of `total`. Called often; throttle. */
typedef void (*kk_download_progress)(void *ctx, const char *path, uint64_t done, uint64_t total);

typedef struct {
    const char *endpoint;  /* base URL without trailing slash is not required */
    const char *repo;      /* "owner/name" */
    const char *revision;  /* branch, tag or commit */
    const char *model_dir; /* created if missing */
    const char *token;     /* optional bearer token (HF_TOKEN); NULL for anonymous */
    int max_attempts;      /* per file, for dropped transfers; <= 0 means 4 */
    kk_download_progress progress; /* optional */
    void *progress_ctx;
    FILE *log;             /* one line per file fetched or kept; NULL for silence */
} kk_download_options;

/* One file of the model as the Hub lists it. */
typedef struct {
    char *path;       /* relative to the repository root, '/'-separated */
    uint64_t size;
    char sha256[65];  /* lowercase hex; empty when the Hub gives none (non-LFS files) */
} kk_remote_file;

typedef struct {
    kk_remote_file *files;
    size_t n;
} kk_file_list;

typedef struct {
    size_t fetched;    /* files transferred in this run */
    size_t kept;       /* files already present and verified */
    uint64_t bytes;    /* bytes transferred in this run */
    int unreachable;   /* set when the endpoint could not be reached at all (DNS, refused) */
} kk_download_report;

/* True for the paths that make up the model: config.json, kokoro-v1_0.pth, voices/NAME.pt. */
int kk_model_file_wanted(const char *path);

/* Lists the wanted files of repo@revision. On failure *out is empty. Caller frees with
 * kk_file_list_free. `unreachable` (optional) is set when no connection could be made. */
kokoro_status kk_hub_list_files(const kk_download_options *opt, kk_file_list *out, int *unreachable,
                                kokoro_error *err);
void kk_file_list_free(kk_file_list *list);

/* Fetches one file into opt->model_dir (resuming `{path}.part`), verifies and renames it.
 * On a verification failure the partial file is removed and nothing appears under the final
 * name. `bytes` (optional) receives the number of bytes transferred. */
kokoro_status kk_fetch_file(const kk_download_options *opt, const kk_remote_file *file, uint64_t *bytes,
                            int *unreachable, kokoro_error *err);

/* Lists, then fetches every wanted file that is missing or fails verification. The listing is
 * saved first as the folder's manifest (`.kokoro-manifest`: "sha256 size path" lines). */
kokoro_status kk_download_model(const kk_download_options *opt, kk_download_report *report,
                                kokoro_error *err);

/* Offline check of a model folder, no network: fills `missing` (comma-separated, truncated to
 * `cap`) with what is absent and returns the number of missing items. With a manifest from an
 * earlier download every listed file must be there with its size; without one, the
 * folder needs config.json, kokoro-v1_0.pth and at least one voice file (voices/NAME.pt). */
size_t kk_model_dir_missing(const char *model_dir, char *missing, size_t cap);

/* The model folder: $KOKORO_MODEL_DIR, else $HOME/.local/share/kokoro/Kokoro-82M. Returns 0 on
 * success, -1 when neither variable is set or the result does not fit `cap`. */
int kk_model_dir_default(char *buf, size_t cap);

/* sha256 of a file as lowercase hex. */
kokoro_status kk_sha256_file(const char *path, char hex[65], kokoro_error *err);
#endif
