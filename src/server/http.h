/* http — the HTTP/1.1 front: a libmicrohttpd daemon with one thread per connection, request
 * bodies accumulated up to a limit, plain and chunked streaming responses, and a completion hook
 * for the access log and metrics. Knows nothing about routes or speech. */
#ifndef KOKORO_SERVER_HTTP_H
#define KOKORO_SERVER_HTTP_H
#include <stddef.h>
#include <sys/types.h>

struct MHD_Connection;

typedef struct kk_header {
    char *name, *value;
    struct kk_header *next;
} kk_header;

typedef struct kk_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char *body; /* NUL-terminated; body_len excludes the NUL */
    size_t body_len, body_cap;
    int body_too_large;
    int body_too_slow;
    double t_start;        /* monotonic seconds */
    double t_first_byte;   /* monotonic seconds when the first body byte went out; 0 = none */
    unsigned status;       /* status of the queued response; 0 = none yet */
    size_t bytes_sent;
    double audio_seconds;  /* set by speech routes, for the access log */
    const char *route;     /* metrics label chosen by the router (static string) */
    int is_stream;
    unsigned idle_timeout_s; /* the connection timeout to restore after the server's own work */
    kk_header *headers;    /* extra response headers, added by kk_req_header */
} kk_req;

typedef struct {
    size_t max_body_bytes;
    unsigned max_connections;
    unsigned idle_timeout_s; /* a connection silent this long is closed */
    double body_timeout_s;   /* the whole body must arrive within this; else 408 */
} kk_http_limits;

/* Called once per request with the whole body; must queue exactly one response. */
typedef void (*kk_http_handler)(void *app, kk_req *req);
/* Called when a request is done (response sent or connection lost). aborted: not completed. */
typedef void (*kk_http_done)(void *app, kk_req *req, int aborted);

typedef struct kk_http kk_http;

/* Binds host:port (port 0 picks a free one) and starts serving. NULL + message on failure. */
kk_http *kk_http_start(const char *host, int port, const kk_http_limits *lim, kk_http_handler handler,
                       kk_http_done done, void *app, char *errbuf, size_t errlen);
int kk_http_port(const kk_http *h);
/* Stops accepting new connections; open ones carry on. */
void kk_http_quiesce(kk_http *h);
unsigned kk_http_connections(kk_http *h);
/* Closes everything and joins the connection threads. */
void kk_http_stop(kk_http *h);

/* ---- inside a handler */
const char *kk_req_get_header(kk_req *r, const char *name);
const char *kk_req_get_query(kk_req *r, const char *name);
/* Queues an extra header for the response about to be sent (copied). */
void kk_req_header(kk_req *r, const char *name, const char *value);
/* Responds with a copy of data. */
void kk_req_respond(kk_req *r, unsigned status, const char *content_type, const void *data, size_t len);

/* A streaming body: read blocks until it has bytes, returns how many (> 0), 0 at the end, or -1
 * to abort the connection. free_ctx runs once when the response is destroyed. */
typedef ssize_t (*kk_stream_read)(void *ctx, char *buf, size_t max);
void kk_req_respond_stream(kk_req *r, unsigned status, const char *content_type, kk_stream_read read,
                           void *ctx, void (*free_ctx)(void *));
/* 1 if the client closed its side of the connection (checked without blocking). */
int kk_req_client_gone(kk_req *r);

double kk_now(void); /* monotonic seconds */
#endif
