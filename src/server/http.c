/* libmicrohttpd glue. Thread-per-connection mode is deliberate: a streaming response may block in
 * its reader while synthesis runs on the worker pool, and /health still gets its own thread. */
#include "server/http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct kk_http {
    struct MHD_Daemon *d;
    kk_http_limits lim;
    kk_http_handler handler;
    kk_http_done done;
    void *app;
    int port;
};

double kk_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void free_headers(kk_header *h)
{
    while (h) {
        kk_header *n = h->next;
        free(h->name);
        free(h->value);
        free(h);
        h = n;
    }
}

const char *kk_req_get_header(kk_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *kk_req_get_query(kk_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void kk_req_header(kk_req *r, const char *name, const char *value)
{
    kk_header *h = calloc(1, sizeof *h);
    if (!h)
        return;
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        free(h);
        return;
    }
    kk_header **tail = &r->headers;
    while (*tail)
        tail = &(*tail)->next;
    *tail = h;
}

static void queue(kk_req *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp) {
        static const char oom[] = "{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\","
                                  "\"code\":\"internal_error\"}}";
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        status = 500;
        if (!resp)
            return;
    }
    for (kk_header *h = r->headers; h; h = h->next)
        MHD_add_response_header(resp, h->name, h->value);
    if (MHD_queue_response(r->conn, status, resp) == MHD_YES)
        r->status = status;
    MHD_destroy_response(resp);
}

void kk_req_respond(kk_req *r, unsigned status, const char *content_type, const void *data, size_t len)
{
    if (r->status)
        return;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(len ? data : ""), MHD_RESPMEM_MUST_COPY);
    if (resp && content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    r->bytes_sent = len;
    r->t_first_byte = kk_now();
    queue(r, status, resp);
}

/* The connection timeout is meant for a client that stops reading or trickles its body. While the
 * server itself is working (the handler synthesising a whole body, a stream's reader waiting for
 * its next chunk) the timer is switched off; switching it back on restarts it, so the time spent on
 * our own work never counts as the client's idleness. Both run on the connection's own thread. */
static void idle_timer_off(kk_req *r)
{
    MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
}

static void idle_timer_on(kk_req *r)
{
    if (r->idle_timeout_s)
        MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, r->idle_timeout_s);
}

typedef struct {
    kk_req *req;
    kk_stream_read read;
    void *ctx;
    void (*free_ctx)(void *);
} stream_wrap;

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_wrap *w = cls;
    if (w->req)
        idle_timer_off(w->req);
    ssize_t n = w->read(w->ctx, buf, max);
    if (w->req)
        idle_timer_on(w->req);
    if (n > 0) {
        if (w->req) {
            if (!w->req->t_first_byte)
                w->req->t_first_byte = kk_now();
            w->req->bytes_sent += (size_t)n;
        }
        return n;
    }
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    stream_wrap *w = cls;
    if (w->free_ctx)
        w->free_ctx(w->ctx);
    free(w);
}

void kk_req_respond_stream(kk_req *r, unsigned status, const char *content_type, kk_stream_read read,
                           void *ctx, void (*free_ctx)(void *))
{
    stream_wrap *w = r->status ? NULL : calloc(1, sizeof *w);
    if (!w) {
        if (free_ctx)
            free_ctx(ctx);
        return;
    }
    w->req = r;
    w->read = read;
    w->ctx = ctx;
    w->free_ctx = free_ctx;
    /* Small block size: each piece of encoded audio leaves as soon as it exists. */
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
                                                                  stream_reader, w, stream_free);
    if (!resp) {
        stream_free(w);
        queue(r, 500, NULL);
        return;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    r->is_stream = 1;
    queue(r, status, resp);
}

int kk_req_client_gone(kk_req *r)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return 1;
    struct pollfd p = {.fd = ci->connect_fd, .events = POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static void respond_limit(kk_req *r, unsigned status, const char *code, const char *msg)
{
    char body[512];
    int n = snprintf(body, sizeof body,
                     "{\"error\":{\"message\":\"%s\",\"type\":\"invalid_request_error\",\"code\":\"%s\"},"
                     "\"detail\":{\"error\":\"%s\",\"message\":\"%s\",\"type\":\"invalid_request_error\"}}",
                     msg, code, code, msg);
    kk_req_header(r, "Connection", "close");
    kk_req_respond(r, status, "application/json", body, (size_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    kk_http *h = cls;
    kk_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->t_start = kk_now();
        r->idle_timeout_s = h->lim.idle_timeout_s;
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long v = strtoull(cl, &end, 10);
            if (*end == '\0' && v > h->lim.max_body_bytes) {
                r->body_too_large = 1;
                respond_limit(r, 413, "request_too_large", "request body exceeds the size limit");
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->status || r->body_too_large || r->body_too_slow)
            return MHD_YES; /* discard the rest */
        /* Answer at once where MHD allows it mid-upload; otherwise the answer waits for the end of
         * the body, which is discarded as it comes. */
        if (kk_now() - r->t_start > h->lim.body_timeout_s) {
            r->body_too_slow = 1;
            respond_limit(r, 408, "request_timeout", "request body arrived too slowly");
            return MHD_YES;
        }
        if (r->body_len + n > h->lim.max_body_bytes) {
            r->body_too_large = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            respond_limit(r, 413, "request_too_large", "request body exceeds the size limit");
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 4096;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(r->body, cap);
            if (!nb) {
                r->body_too_large = 1;
                return MHD_YES;
            }
            r->body = nb;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES;
    if (r->body_too_large) {
        respond_limit(r, 413, "request_too_large", "request body exceeds the size limit");
        return MHD_YES;
    }
    if (r->body_too_slow) {
        respond_limit(r, 408, "request_timeout", "request body arrived too slowly");
        return MHD_YES;
    }
    if (!r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return MHD_NO;
    }
    idle_timer_off(r);
    h->handler(h->app, r);
    idle_timer_on(r);
    if (!r->status) {
        static const char msg[] = "{\"error\":{\"message\":\"no response\",\"type\":\"server_error\","
                                  "\"code\":\"internal_error\"}}";
        kk_req_respond(r, 500, "application/json", msg, sizeof msg - 1);
    }
    return r->status ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    kk_http *h = cls;
    kk_req *r = *con_cls;
    if (!r)
        return;
    if (h->done)
        h->done(h->app, r, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    free_headers(r->headers);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

kk_http *kk_http_start(const char *host, int port, const kk_http_limits *lim, kk_http_handler handler,
                       kk_http_done done, void *app, char *errbuf, size_t errlen)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int gai = getaddrinfo(host && *host ? host : NULL, ps, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(errbuf, errlen, "cannot resolve host '%s': %s", host ? host : "", gai_strerror(gai));
        return NULL;
    }
    kk_http *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    h->lim = *lim;
    h->handler = handler;
    h->done = done;
    h->app = app;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_LIMIT, lim->max_connections,
                            MHD_OPTION_CONNECTION_TIMEOUT, lim->idle_timeout_s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                            MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->d) {
        snprintf(errbuf, errlen, "cannot listen on %s:%d (address in use or not permitted)",
                 host && *host ? host : "*", port);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : port;
    return h;
}

int kk_http_port(const kk_http *h)
{
    return h->port;
}

void kk_http_quiesce(kk_http *h)
{
    MHD_socket s = MHD_quiesce_daemon(h->d);
    if (s != MHD_INVALID_SOCKET)
        close(s);
}

unsigned kk_http_connections(kk_http *h)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? di->num_connections : 0;
}

void kk_http_stop(kk_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
