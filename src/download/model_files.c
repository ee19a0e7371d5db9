/* The model folder as a whole: what must be in it, whether it is complete, and fetching what
 * is missing. The manifest (the Hub's listing, saved before fetching) lets `--if-missing` answer
 * without the network and without hashing 300 MB. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "download/download.h"
#include "util/error.h"

#define MANIFEST_NAME ".kokoro-manifest"

int kk_model_dir_default(char *buf, size_t cap)
{
    const char *dir = getenv("KOKORO_MODEL_DIR");
    int n;
    if (dir && dir[0]) {
        n = snprintf(buf, cap, "%s", dir);
    } else {
        const char *home = getenv("HOME");
        if (!home || !home[0])
            return -1;
        n = snprintf(buf, cap, "%s/.local/share/kokoro/Kokoro-82M", home);
    }
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Appends to a comma-separated list; once an item does not fit, the list ends in "...". */
static void append_item(char *out, size_t cap, size_t *count, const char *item)
{
    (*count)++;
    if (cap == 0)
        return;
    size_t len = strlen(out);
    if (len >= 3 && strcmp(out + len - 3, "...") == 0)
        return;
    const char *sep = *count > 1 ? ", " : "";
    if (len + strlen(sep) + strlen(item) + 1 <= cap) {
        strcat(out, sep);
        strcat(out, item);
    } else if (len + 4 <= cap) {
        strcat(out, "...");
    }
}

static int file_size_is(const char *dir, const char *rel, uint64_t size, int check_size)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (!p)
        return 0;
    snprintf(p, n, "%s/%s", dir, rel);
    struct stat sb;
    int ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (!check_size || (uint64_t)sb.st_size == size);
    free(p);
    return ok;
}

static int has_voice(const char *dir)
{
    size_t n = strlen(dir) + 8;
    char *p = malloc(n);
    if (!p)
        return 0;
    snprintf(p, n, "%s/voices", dir);
    DIR *d = opendir(p);
    free(p);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        char rel[300];
        snprintf(rel, sizeof rel, "voices/%s", e->d_name);
        found = kk_model_file_wanted(rel) && file_size_is(dir, rel, 0, 0);
    }
    closedir(d);
    return found;
}

size_t kk_model_dir_missing(const char *model_dir, char *missing, size_t cap)
{
    size_t count = 0;
    if (cap)
        missing[0] = '\0';
    size_t n = strlen(model_dir) + sizeof MANIFEST_NAME + 2;
    char *mpath = malloc(n);
    FILE *m = NULL;
    if (mpath) {
        snprintf(mpath, n, "%s/%s", model_dir, MANIFEST_NAME);
        m = fopen(mpath, "r");
        free(mpath);
    }
    if (m) {
        char line[1024];
        size_t entries = 0;
        while (fgets(line, sizeof line, m)) {
            char sha[65], rel[900];
            unsigned long long size;
            if (sscanf(line, "%64s %llu %899[^\n]", sha, &size, rel) != 3)
                continue;
            entries++;
            if (!file_size_is(model_dir, rel, size, 1))
                append_item(missing, cap, &count, rel);
        }
        fclose(m);
        if (entries > 0)
            return count;
    }
    if (!file_size_is(model_dir, "config.json", 0, 0))
        append_item(missing, cap, &count, "config.json");
    if (!file_size_is(model_dir, "kokoro-v1_0.pth", 0, 0))
        append_item(missing, cap, &count, "kokoro-v1_0.pth");
    if (!has_voice(model_dir))
        append_item(missing, cap, &count, "voices/*.pt");
    return count;
}

/* A file already in place counts when its size and (where listed) sha256 match. */
static int already_valid(const kk_download_options *opt, const kk_remote_file *f)
{
    if (!file_size_is(opt->model_dir, f->path, f->size, 1))
        return 0;
    if (!f->sha256[0])
        return 1;
    size_t n = strlen(opt->model_dir) + strlen(f->path) + 2;
    char *p = malloc(n);
    if (!p)
        return 0;
    snprintf(p, n, "%s/%s", opt->model_dir, f->path);
    char got[65];
    int ok = kk_sha256_file(p, got, NULL) == KOKORO_OK && strcmp(got, f->sha256) == 0;
    free(p);
    return ok;
}

static kokoro_status write_manifest(const kk_download_options *opt, const kk_file_list *list, kokoro_error *err)
{
    size_t n = strlen(opt->model_dir) + sizeof MANIFEST_NAME + 8;
    char *path = malloc(n), *tmp = malloc(n);
    if (!path || !tmp) {
        free(path);
        free(tmp);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    snprintf(path, n, "%s/%s", opt->model_dir, MANIFEST_NAME);
    snprintf(tmp, n, "%s.tmp", path);
    kokoro_status st = KOKORO_OK;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        st = kk_fail(err, KOKORO_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    } else {
        for (size_t i = 0; i < list->n; i++)
            fprintf(f, "%s %llu %s\n", list->files[i].sha256[0] ? list->files[i].sha256 : "-",
                    (unsigned long long)list->files[i].size, list->files[i].path);
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
            st = kk_fail(err, KOKORO_ERR_IO, "cannot write %s: %s", path, strerror(errno));
            remove(tmp);
        }
    }
    free(path);
    free(tmp);
    return st;
}

kokoro_status kk_download_model(const kk_download_options *opt, kk_download_report *report, kokoro_error *err)
{
    kk_download_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof *report);
    if (!opt || !opt->endpoint || !opt->repo || !opt->revision || !opt->model_dir)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "download: endpoint, repo, revision and model folder are required");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return kk_fail(err, KOKORO_ERR_INTERNAL, "cannot initialise libcurl");

    kk_file_list list;
    kokoro_status st = kk_hub_list_files(opt, &list, &report->unreachable, err);
    if (st != KOKORO_OK) {
        curl_global_cleanup();
        return st;
    }
    /* The manifest records the expected set before any transfer, so that a folder left
     * incomplete by a failed run is not mistaken for a complete one by --if-missing. */
    if (mkdir(opt->model_dir, 0755) != 0 && errno != EEXIST) {
        st = kk_fail(err, KOKORO_ERR_IO, "cannot create %s: %s", opt->model_dir, strerror(errno));
        kk_file_list_free(&list);
        curl_global_cleanup();
        return st;
    }
    st = write_manifest(opt, &list, err);
    if (st != KOKORO_OK) {
        kk_file_list_free(&list);
        curl_global_cleanup();
        return st;
    }
    size_t failed = 0;
    kokoro_error first = {0};
    for (size_t i = 0; i < list.n; i++) {
        const kk_remote_file *f = &list.files[i];
        if (already_valid(opt, f)) {
            report->kept++;
            continue;
        }
        uint64_t moved = 0;
        int unreachable = 0;
        kokoro_error e = {0};
        kokoro_status s = kk_fetch_file(opt, f, &moved, &unreachable, &e);
        report->bytes += moved;
        if (s == KOKORO_OK) {
            report->fetched++;
            if (opt->log)
                fprintf(opt->log, "fetched %s (%llu bytes%s)\n", f->path, (unsigned long long)f->size,
                        f->sha256[0] ? ", sha256 ok" : "");
            continue;
        }
        if (failed++ == 0)
            first = e;
        if (unreachable) {
            /* The endpoint went away mid-run: the remaining files would fail the same way. */
            report->unreachable = 1;
            failed += list.n - i - 1;
            break;
        }
    }
    if (failed == 0)
        st = KOKORO_OK;
    else if (failed == 1)
        st = kk_fail(err, first.code, "%s", first.message);
    else
        st = kk_fail(err, first.code, "%s (and %zu more file(s) failed)", first.message, failed - 1);
    kk_file_list_free(&list);
    curl_global_cleanup();
    return st;
}
