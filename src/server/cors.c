/* CORS (CORS_ENABLED, CORS_ORIGINS): Kokoro-FastAPI allows any origin without credentials by
 * default; a list restricts it to exact origins. */
#include <stdio.h>
#include <string.h>

#include "server/server.h"

static int origin_allowed(const char *list, const char *origin, int *wildcard)
{
    *wildcard = 0;
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 1 && p[0] == '*') {
            *wildcard = 1;
            return 1;
        }
        if (n && strlen(origin) == n && !strncmp(p, origin, n))
            return 1;
        p = e;
    }
    return 0;
}

int kk_cors_apply(kk_server *s, kk_req *req)
{
    if (!s->cfg->cors_enabled)
        return 0;
    const char *origin = kk_req_get_header(req, "Origin");
    int wildcard;
    if (!origin || !origin_allowed(s->cfg->cors_origins, origin, &wildcard))
        return 0;
    kk_req_header(req, "Access-Control-Allow-Origin", wildcard ? "*" : origin);
    if (!wildcard)
        kk_req_header(req, "Vary", "Origin");
    kk_req_header(req, "Access-Control-Expose-Headers",
                  "X-Download-Path, X-Download-Status, Content-Disposition, Retry-After");
    if (strcmp(req->method, "OPTIONS") == 0 && kk_req_get_header(req, "Access-Control-Request-Method")) {
        kk_req_header(req, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        const char *rh = kk_req_get_header(req, "Access-Control-Request-Headers");
        kk_req_header(req, "Access-Control-Allow-Headers", rh ? rh : "Authorization, Content-Type");
        kk_req_header(req, "Access-Control-Max-Age", "600");
        kk_req_respond(req, 204, NULL, "", 0);
        return 1;
    }
    return 0;
}
