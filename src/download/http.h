/* libcurl plumbing shared by the Hub listing and the file fetcher. */
#ifndef KOKORO_DOWNLOAD_HTTP_H
#define KOKORO_DOWNLOAD_HTTP_H
#include <curl/curl.h>

#include "download/download.h"

/* A configured easy handle: redirects followed (the Hub answers file URLs with a redirect to its
 * storage), connect and stall timeouts, user agent and the optional bearer token. `*headers` is
 * owned by the caller (curl_slist_free_all) and must outlive the handle's transfers. */
CURL *kk_http_new(const kk_download_options *opt, struct curl_slist **headers);

/* True when the failure means nothing could be reached (no DNS, connection refused), as opposed
 * to a transfer that started and broke. */
int kk_http_unreachable(CURLcode code);

/* True for failures worth retrying with a Range request: dropped or stalled transfers. */
int kk_http_retryable(CURLcode code);

/* Percent-encodes everything but unreserved characters and, when keep_slash, '/'.
 * Returns a malloc'd string or NULL. */
char *kk_url_escape(const char *s, int keep_slash);

/* Endpoint without trailing slashes, malloc'd. */
char *kk_url_base(const char *endpoint);
#endif
