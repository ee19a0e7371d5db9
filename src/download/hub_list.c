/* The Hub's tree API: GET {endpoint}/api/models/{repo}/tree/{revision}?recursive=true answers a
 * JSON array of {"type","path","size","oid"} entries, LFS files adding {"lfs":{"oid","size"}}
 * where lfs.oid is the sha256 of the contents. Long listings are paginated through a
 * `Link: <url>; rel="next"` response header. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "download/download.h"
#include "download/http.h"
#include "util/error.h"

#define LIST_BODY_LIMIT (64u << 20)
#define LIST_MAX_PAGES 1000

typedef struct {
    char *data;
    size_t len, cap;
    int overflow;
} body_buf;

typedef struct {
    char *next; /* URL of the next page, from the Link header */
} page_headers;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    body_buf *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n + 1 > LIST_BODY_LIMIT) {
        b->overflow = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* Picks the rel="next" target out of a Link header value. */
static char *parse_link_next(const char *v, size_t n)
{
    const char *end = v + n;
    while (v < end) {
        const char *lt = memchr(v, '<', (size_t)(end - v));
        if (!lt)
            return NULL;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return NULL;
        const char *comma = memchr(gt, ',', (size_t)(end - gt));
        const char *params_end = comma ? comma : end;
        for (const char *p = gt; p + 10 <= params_end; p++) {
            if (strncmp(p, "rel=\"next\"", 10) == 0 || strncmp(p, "rel=next", 8) == 0) {
                size_t len = (size_t)(gt - lt - 1);
                char *url = malloc(len + 1);
                if (url) {
                    memcpy(url, lt + 1, len);
                    url[len] = '\0';
                }
                return url;
            }
        }
        v = params_end + (comma ? 1 : 0);
    }
    return NULL;
}

/* The next-page link may be relative to the page it came from. */
static char *resolve_url(const char *current, const char *ref)
{
    char *out = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, current, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = strdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(u);
    return out;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    page_headers *h = ctx;
    size_t n = size * nmemb;
    /* Headers of intermediate redirect responses arrive too; only the last Link counts. */
    if (n > 5 && strncasecmp(ptr, "link:", 5) == 0) {
        free(h->next);
        h->next = parse_link_next(ptr + 5, n - 5);
    } else if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        free(h->next);
        h->next = NULL;
    }
    return n;
}

int kk_model_file_wanted(const char *path)
{
    if (strcmp(path, "config.json") == 0 || strcmp(path, "kokoro-v1_0.pth") == 0)
        return 1;
    if (strncmp(path, "voices/", 7) != 0)
        return 0;
    const char *name = path + 7;
    size_t n = strlen(name);
    if (n <= 3 || strcmp(name + n - 3, ".pt") != 0 || strchr(name, '/') || name[0] == '.')
        return 0;
    return 1;
}

void kk_file_list_free(kk_file_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        free(list->files[i].path);
    free(list->files);
    list->files = NULL;
    list->n = 0;
}

static int is_sha256_hex(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

static kokoro_status add_entries(const char *json, kk_file_list *out, size_t *cap, kokoro_error *err)
{
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return kk_fail(err, KOKORO_ERR_FORMAT, "the Hub's file listing is not a JSON array");
    }
    kokoro_status st = KOKORO_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "file") != 0)
            continue;
        if (!cJSON_IsString(path) || !cJSON_IsNumber(size) || size->valuedouble < 0) {
            st = kk_fail(err, KOKORO_ERR_FORMAT, "the Hub's file listing has an entry without path or size");
            break;
        }
        if (!kk_model_file_wanted(path->valuestring))
            continue;
        if (out->n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            kk_remote_file *f = realloc(out->files, ncap * sizeof *f);
            if (!f) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory listing files");
                break;
            }
            out->files = f;
            *cap = ncap;
        }
        kk_remote_file *f = &out->files[out->n];
        memset(f, 0, sizeof *f);
        f->path = strdup(path->valuestring);
        if (!f->path) {
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory listing files");
            break;
        }
        f->size = (uint64_t)size->valuedouble;
        const cJSON *lfs = cJSON_GetObjectItemCaseSensitive(e, "lfs");
        const cJSON *oid = lfs ? cJSON_GetObjectItemCaseSensitive(lfs, "oid") : NULL;
        if (cJSON_IsString(oid)) {
            if (!is_sha256_hex(oid->valuestring)) {
                free(f->path);
                st = kk_fail(err, KOKORO_ERR_FORMAT, "the Hub lists %s with an LFS oid that is not a sha256",
                             path->valuestring);
                break;
            }
            for (int i = 0; i < 64; i++)
                f->sha256[i] = (char)tolower((unsigned char)oid->valuestring[i]);
            f->sha256[64] = '\0';
        }
        out->n++;
    }
    cJSON_Delete(root);
    return st;
}

static kokoro_status check_complete(const kk_download_options *opt, const kk_file_list *list, kokoro_error *err)
{
    int config = 0, model = 0, voices = 0;
    for (size_t i = 0; i < list->n; i++) {
        const char *p = list->files[i].path;
        config |= strcmp(p, "config.json") == 0;
        model |= strcmp(p, "kokoro-v1_0.pth") == 0;
        voices += strncmp(p, "voices/", 7) == 0;
    }
    if (config && model && voices)
        return KOKORO_OK;
    return kk_fail(err, KOKORO_ERR_NOT_FOUND, "%s@%s has no %s: not a Kokoro-82M repository", opt->repo,
                   opt->revision, !config ? "config.json" : !model ? "kokoro-v1_0.pth" : "voices/*.pt");
}

kokoro_status kk_hub_list_files(const kk_download_options *opt, kk_file_list *out, int *unreachable,
                                kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    if (unreachable)
        *unreachable = 0;
    char *base = kk_url_base(opt->endpoint);
    char *repo = kk_url_escape(opt->repo, 1);
    char *rev = kk_url_escape(opt->revision, 0);
    char *url = NULL;
    if (base && repo && rev) {
        size_t n = strlen(base) + strlen(repo) + strlen(rev) + 64;
        url = malloc(n);
        if (url)
            snprintf(url, n, "%s/api/models/%s/tree/%s?recursive=true", base, repo, rev);
    }
    free(repo);
    free(rev);
    if (!url) {
        free(base);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }

    struct curl_slist *headers = NULL;
    CURL *c = kk_http_new(opt, &headers);
    if (!c) {
        free(url);
        free(base);
        return kk_fail(err, KOKORO_ERR_INTERNAL, "cannot initialise libcurl");
    }
    kokoro_status st = KOKORO_OK;
    size_t cap = 0;
    for (int page = 0; url && st == KOKORO_OK; page++) {
        if (page == LIST_MAX_PAGES) {
            st = kk_fail(err, KOKORO_ERR_FORMAT, "the Hub's file listing does not end after %d pages", page);
            break;
        }
        body_buf body = {0};
        page_headers ph = {0};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &ph);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        /* A listing is a few kB: timing out on it means the endpoint cannot be talked to. */
        if (rc != CURLE_OK && (kk_http_unreachable(rc) || rc == CURLE_OPERATION_TIMEDOUT)) {
            if (unreachable)
                *unreachable = 1;
            st = kk_fail(err, KOKORO_ERR_IO, "cannot reach %s (%s)", base, curl_easy_strerror(rc));
        } else if (rc != CURLE_OK) {
            st = kk_fail(err, KOKORO_ERR_IO, "cannot list %s at %s: %s",
                         opt->repo, base, body.overflow ? "listing too large" : curl_easy_strerror(rc));
        } else if (code == 401 || code == 403) {
            st = kk_fail(err, KOKORO_ERR_IO, "%s at %s: access denied (HTTP %ld); set HF_TOKEN for gated or private repositories",
                         opt->repo, base, code);
        } else if (code == 404) {
            st = kk_fail(err, KOKORO_ERR_NOT_FOUND, "repository %s (revision %s) not found at %s (HTTP 404)",
                         opt->repo, opt->revision, base);
        } else if (code != 200) {
            st = kk_fail(err, KOKORO_ERR_IO, "listing %s at %s failed: HTTP %ld", opt->repo, base, code);
        } else {
            st = add_entries(body.data ? body.data : "", out, &cap, err);
        }
        free(body.data);
        char *next = (st == KOKORO_OK && ph.next) ? resolve_url(url, ph.next) : NULL;
        free(ph.next);
        free(url);
        url = next;
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    if (st == KOKORO_OK)
        st = check_complete(opt, out, err);
    if (st != KOKORO_OK)
        kk_file_list_free(out);
    free(base);
    return st;
}
