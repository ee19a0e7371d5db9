/* The HTTP layer on its own: a real daemon on a loopback port driven by libcurl, with a test
 * handler in place of the router. Checks bodies, the body limit, chunked streaming, extra headers,
 * the completion hook and that a vanished client is noticed while its stream is open. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "server/http.h"

static atomic_int done_count, gone_seen;

typedef struct {
    int pieces;
    kk_req *req;
    int watch_gone;
} stream_state;

static ssize_t stream_read(void *ctx, char *buf, size_t max)
{
    stream_state *st = ctx;
    if (st->watch_gone) {
        if (st->pieces++ == 0) {
            memcpy(buf, "first", 5);
            return 5;
        }
        for (int i = 0; i < 300; i++) {
            if (kk_req_client_gone(st->req)) {
                gone_seen = 1;
                return -1;
            }
            usleep(10000);
        }
        return -1;
    }
    if (st->pieces == 3)
        return 0;
    usleep(30000);
    int n = snprintf(buf, max, "piece%d;", st->pieces++);
    return n;
}

static void handler(void *app, kk_req *r)
{
    (void)app;
    if (!strcmp(r->path, "/hello")) {
        kk_req_header(r, "X-Test", "yes");
        kk_req_respond(r, 200, "text/plain", "hi", 2);
    } else if (!strcmp(r->path, "/echo")) {
        char b[64];
        int n = snprintf(b, sizeof b, "%zu:%s", r->body_len, kk_req_get_query(r, "q") ? kk_req_get_query(r, "q") : "");
        kk_req_respond(r, 200, "text/plain", b, (size_t)n);
    } else if (!strcmp(r->path, "/stream") || !strcmp(r->path, "/gone")) {
        stream_state *st = calloc(1, sizeof *st);
        st->req = r;
        st->watch_gone = !strcmp(r->path, "/gone");
        kk_req_respond_stream(r, 200, "text/plain", stream_read, st, free);
    }
    /* other paths: no response, the layer must answer 500 itself */
}

static void done(void *app, kk_req *r, int aborted)
{
    (void)app;
    (void)r;
    (void)aborted;
    done_count++;
}

typedef struct {
    char data[4096];
    size_t len;
    int writes;
    int abort_after_first;
} sink;

static size_t on_write(char *p, size_t sz, size_t n, void *u)
{
    sink *s = u;
    size_t k = sz * n;
    s->writes++;
    if (s->len + k < sizeof s->data) {
        memcpy(s->data + s->len, p, k);
        s->len += k;
        s->data[s->len] = '\0';
    }
    return s->abort_after_first ? 0 : k;
}

static long request(int port, const char *path, const char *body, sink *out, struct curl_slist **hdrs_out)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    (void)hdrs_out;
    curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    kk_http_limits lim = {1000, 64, 5, 5};
    char err[256];
    kk_http *h = kk_http_start("127.0.0.1", 0, &lim, handler, done, NULL, err, sizeof err);
    CHECK_MSG(h != NULL, "%s", err);
    if (!h)
        return HARNESS_RETURN();
    int port = kk_http_port(h);
    CHECK(port > 0);

    sink s = {0};
    CHECK(request(port, "/hello", NULL, &s, NULL) == 200);
    CHECK_STR_EQ(s.data, "hi");

    memset(&s, 0, sizeof s);
    CHECK(request(port, "/echo?q=a%20b", "0123456789", &s, NULL) == 200);
    CHECK_STR_EQ(s.data, "10:a b");

    char *big = malloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    memset(&s, 0, sizeof s);
    CHECK(request(port, "/echo", big, &s, NULL) == 413);
    CHECK(strstr(s.data, "\"request_too_large\"") != NULL);
    free(big);

    memset(&s, 0, sizeof s);
    CHECK(request(port, "/nothing", NULL, &s, NULL) == 500);

    memset(&s, 0, sizeof s);
    CHECK(request(port, "/stream", NULL, &s, NULL) == 200);
    CHECK_STR_EQ(s.data, "piece0;piece1;piece2;");
    CHECK_MSG(s.writes >= 2, "stream arrived in %d writes", s.writes);

    memset(&s, 0, sizeof s);
    s.abort_after_first = 1;
    request(port, "/gone", NULL, &s, NULL);
    for (int i = 0; i < 200 && !gone_seen; i++)
        usleep(10000);
    CHECK_MSG(gone_seen, "the stream did not notice the client leaving");

    for (int i = 0; i < 100 && done_count < 6; i++)
        usleep(10000);
    CHECK_MSG(done_count == 6, "completion hook ran %d times", (int)done_count);
    kk_http_stop(h);
    curl_global_cleanup();
    return HARNESS_RETURN();
}
