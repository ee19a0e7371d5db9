/* One model file: `{path}.part` grows across attempts (HTTP Range resumes it), is verified
 * against the listed size and sha256, and is renamed to its final name only when it matches.
 * A file that fails verification is deleted, so a final name always means a verified file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "download/download.h"
#include "download/http.h"
#include "util/error.h"
#include "util/sha256.h"

typedef struct {
    FILE *fp;
    CURL *curl;
    const kk_download_options *opt;
    const char *path;
    uint64_t offset;   /* bytes already in the part file when this transfer started */
    uint64_t written;  /* bytes appended by this transfer */
    uint64_t expected;
    int64_t range_start; /* start of the Content-Range the server answered, -1 if none */
    int checked;       /* response status inspected (first body byte) */
    int discard;       /* error page: swallow it, never append it to the file */
    int too_big;
    int bad_range;     /* 206 for a range other than the one asked for */
    int io_errno;
} sink;

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        s->range_start = -1;
    } else if (n > 20 && strncasecmp(ptr, "content-range:", 14) == 0) {
        const char *p = ptr + 14;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "bytes ", 6) == 0) {
            char *end;
            unsigned long long v = strtoull(p + 6, &end, 10);
            if (end != p + 6 && *end == '-')
                s->range_start = (int64_t)v;
        }
    }
    return n;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    if (!s->checked) {
        long code = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
        s->checked = 1;
        if (code == 200 && s->offset > 0) {
            /* The server ignored the Range request and sends the whole file: start over. The
             * part file is in append mode, so after truncation writes begin at offset 0. */
            if (fflush(s->fp) != 0 || ftruncate(fileno(s->fp), 0) != 0) {
                s->io_errno = errno;
                return 0;
            }
            s->offset = 0;
        } else if (code == 206 && s->range_start != (int64_t)s->offset) {
            s->bad_range = 1;
            return 0;
        } else if (code != 200 && code != 206) {
            s->discard = 1;
        }
    }
    if (s->discard)
        return n;
    if (s->offset + s->written + n > s->expected) {
        s->too_big = 1;
        return 0;
    }
    if (fwrite(ptr, 1, n, s->fp) != n) {
        s->io_errno = errno ? errno : EIO;
        return 0;
    }
    s->written += n;
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    sink *s = ctx;
    if (s->opt->progress && !s->discard)
        s->opt->progress(s->opt->progress_ctx, s->path, s->offset + s->written, s->expected);
    return 0;
}

/* mkdir -p of the directory part of `file`. */
static int make_parents(const char *file)
{
    char *p = strdup(file);
    if (!p)
        return ENOMEM;
    int rc = 0;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = errno;
            break;
        }
        *q = '/';
    }
    free(p);
    return rc;
}

kokoro_status kk_sha256_file(const char *path, char hex[65], kokoro_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kk_fail(err, KOKORO_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory hashing %s", path);
    }
    kk_sha256 s;
    kk_sha256_init(&s);
    size_t n;
    while ((n = fread(buf, 1, CHUNK, f)) > 0)
        kk_sha256_update(&s, buf, n);
    int failed = ferror(f);
    fclose(f);
    free(buf);
    if (failed)
        return kk_fail(err, KOKORO_ERR_IO, "cannot read %s", path);
    uint8_t d[32];
    kk_sha256_final(&s, d);
    kk_sha256_hex(d, hex);
    return KOKORO_OK;
}

static void pause_before_retry(int attempt)
{
    struct timespec ts = {.tv_sec = attempt / 2, .tv_nsec = (attempt % 2) * 500000000L};
    nanosleep(&ts, NULL);
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static char *resolve_url(const kk_download_options *opt, const char *path)
{
    char *base = kk_url_base(opt->endpoint);
    char *repo = kk_url_escape(opt->repo, 1);
    char *rev = kk_url_escape(opt->revision, 0);
    char *p = kk_url_escape(path, 1);
    char *url = NULL;
    if (base && repo && rev && p) {
        size_t n = strlen(base) + strlen(repo) + strlen(rev) + strlen(p) + 16;
        url = malloc(n);
        if (url)
            snprintf(url, n, "%s/%s/resolve/%s/%s", base, repo, rev, p);
    }
    free(base);
    free(repo);
    free(rev);
    free(p);
    return url;
}

/* Outcome of one transfer attempt. */
enum attempt_result { GOT_DATA, RETRY, RESTART, FAILED };

static enum attempt_result transfer(const kk_download_options *opt, CURL *c, const kk_remote_file *file,
                                    const char *url, const char *part, uint64_t have, uint64_t *bytes,
                                    int *unreachable, char *why, size_t why_cap, kokoro_status *st,
                                    kokoro_error *err)
{
    FILE *fp = fopen(part, "ab");
    if (!fp) {
        *st = kk_fail(err, KOKORO_ERR_IO, "cannot write %s: %s", part, strerror(errno));
        return FAILED;
    }
    sink s = {.fp = fp, .curl = c, .opt = opt, .path = file->path, .offset = have,
              .expected = file->size, .range_start = -1};
    curl_easy_setopt(c, CURLOPT_URL, url);
    /* CURLOPT_RANGE rather than RESUME_FROM: a server that ignores the range and answers 200
     * is then handled here (start over) instead of failing the transfer. */
    char range[32];
    snprintf(range, sizeof range, "%llu-", (unsigned long long)have);
    curl_easy_setopt(c, CURLOPT_RANGE, have > 0 ? range : NULL);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, opt->progress ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    int close_err = (fflush(fp) != 0 || fsync(fileno(fp)) != 0) ? errno : 0;
    if (fclose(fp) != 0 && !close_err)
        close_err = errno;
    *bytes += s.written;

    if (s.io_errno || close_err) {
        *st = kk_fail(err, KOKORO_ERR_IO, "cannot write %s: %s", part, strerror(s.io_errno ? s.io_errno : close_err));
        return FAILED;
    }
    if (s.too_big) {
        unlink(part);
        *st = kk_fail(err, KOKORO_ERR_FORMAT, "%s: the server sent more than the listed %llu bytes; partial file removed",
                      file->path, (unsigned long long)file->size);
        return FAILED;
    }
    if (s.bad_range) {
        snprintf(why, why_cap, "the server answered a different byte range");
        return RESTART;
    }
    if (rc != CURLE_OK) {
        snprintf(why, why_cap, "%s", curl_easy_strerror(rc));
        if (kk_http_unreachable(rc) && have == 0 && s.written == 0) {
            if (unreachable)
                *unreachable = 1;
            char *last = NULL;
            curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &last);
            *st = kk_fail(err, KOKORO_ERR_IO, "cannot reach %s (%s)", last ? last : url, why);
            return FAILED;
        }
        if (kk_http_retryable(rc) || kk_http_unreachable(rc))
            return RETRY;
        *st = kk_fail(err, KOKORO_ERR_IO, "cannot fetch %s: %s", url, why);
        return FAILED;
    }
    if (code == 200 || code == 206)
        return GOT_DATA;
    if (code == 416) {
        /* Nothing left to send from our offset: either the part is complete or it is longer
         * than the remote file; verification decides. */
        return GOT_DATA;
    }
    if (code == 404) {
        *st = kk_fail(err, KOKORO_ERR_NOT_FOUND, "%s: not found at %s (HTTP 404)", file->path, url);
        return FAILED;
    }
    if (code == 401 || code == 403) {
        *st = kk_fail(err, KOKORO_ERR_IO, "%s: access denied at %s (HTTP %ld); set HF_TOKEN for gated repositories",
                      file->path, url, code);
        return FAILED;
    }
    if (code >= 500 || code == 408 || code == 429) {
        snprintf(why, why_cap, "HTTP %ld", code);
        return RETRY;
    }
    *st = kk_fail(err, KOKORO_ERR_IO, "%s: HTTP %ld from %s", file->path, code, url);
    return FAILED;
}

kokoro_status kk_fetch_file(const kk_download_options *opt, const kk_remote_file *file, uint64_t *bytes,
                            int *unreachable, kokoro_error *err)
{
    uint64_t moved = 0;
    if (bytes)
        *bytes = 0;
    if (unreachable)
        *unreachable = 0;
    if (strstr(file->path, "..") || file->path[0] == '/')
        return kk_fail(err, KOKORO_ERR_FORMAT, "refusing unsafe path %s", file->path);
    char *final = join3(opt->model_dir, "/", file->path);
    char *part = final ? join3(final, ".part", "") : NULL;
    char *url = resolve_url(opt, file->path);
    struct curl_slist *headers = NULL;
    CURL *c = NULL;
    kokoro_status st = KOKORO_OK;
    if (!final || !part || !url) {
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    int rc = make_parents(final);
    if (rc) {
        st = kk_fail(err, KOKORO_ERR_IO, "cannot create the folder for %s: %s", final, strerror(rc));
        goto done;
    }
    c = kk_http_new(opt, &headers);
    if (!c) {
        st = kk_fail(err, KOKORO_ERR_INTERNAL, "cannot initialise libcurl");
        goto done;
    }

    int max_attempts = opt->max_attempts > 0 ? opt->max_attempts : 4;
    int attempt = 0, resumed = 0, fresh_retry_used = 0;
    char why[256] = "";
    for (;;) {
        struct stat sb;
        int exists = stat(part, &sb) == 0;
        uint64_t have = exists ? (uint64_t)sb.st_size : 0;
        if (have > file->size) {
            unlink(part);
            exists = 0;
            have = 0;
        }
        if (!exists || have < file->size) {
            if (have > 0)
                resumed = 1;
            enum attempt_result r = transfer(opt, c, file, url, part, have, &moved, unreachable, why,
                                             sizeof why, &st, err);
            if (r == FAILED)
                goto done;
            if (r == RESTART)
                unlink(part);
            if (r == RETRY || r == RESTART) {
                if (++attempt >= max_attempts) {
                    st = kk_fail(err, KOKORO_ERR_IO, "%s: download failed after %d attempts (%s); run again to resume",
                                 file->path, attempt, why);
                    goto done;
                }
                pause_before_retry(attempt);
                continue;
            }
            have = stat(part, &sb) == 0 ? (uint64_t)sb.st_size : 0;
            if (have < file->size) {
                /* The server closed a transfer early without an error from curl. */
                snprintf(why, sizeof why, "transfer ended at %llu of %llu bytes", (unsigned long long)have,
                         (unsigned long long)file->size);
                if (++attempt >= max_attempts) {
                    st = kk_fail(err, KOKORO_ERR_IO, "%s: download failed after %d attempts (%s); run again to resume",
                                 file->path, attempt, why);
                    goto done;
                }
                pause_before_retry(attempt);
                continue;
            }
            if (have > file->size) {
                unlink(part);
                st = kk_fail(err, KOKORO_ERR_FORMAT, "%s is larger than the listed %llu bytes; partial file removed",
                             file->path, (unsigned long long)file->size);
                goto done;
            }
        }
        if (file->sha256[0]) {
            char got[65];
            st = kk_sha256_file(part, got, err);
            if (st != KOKORO_OK)
                goto done;
            if (strcmp(got, file->sha256) != 0) {
                unlink(part);
                if (resumed && !fresh_retry_used) {
                    /* The bytes kept from an earlier run may be what is wrong: one clean retry. */
                    fresh_retry_used = 1;
                    resumed = 0;
                    continue;
                }
                st = kk_fail(err, KOKORO_ERR_FORMAT, "sha256 mismatch for %s: expected %s, got %s; the download was removed",
                             file->path, file->sha256, got);
                goto done;
            }
        }
        if (rename(part, final) != 0) {
            st = kk_fail(err, KOKORO_ERR_IO, "cannot rename %s to %s: %s", part, final, strerror(errno));
            goto done;
        }
        if (opt->progress)
            opt->progress(opt->progress_ctx, file->path, file->size, file->size);
        break;
    }
done:
    if (st != KOKORO_OK && part) {
        /* An empty part file (error page, refused request) is no progress worth keeping. */
        struct stat sb;
        if (stat(part, &sb) == 0 && sb.st_size == 0)
            unlink(part);
    }
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    free(final);
    free(part);
    free(url);
    if (bytes)
        *bytes = moved;
    return st;
}
