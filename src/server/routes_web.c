/* GET /web/... : the embedded web player (web_assets.c) and the facts it asks the server for.
 * Open without an API key: the page itself asks for the key when the API answers 401. */
#include <cjson/cJSON.h>
#include <string.h>

#include "server/errors.h"
#include "server/server.h"
#include "server/web_assets.h"

/* The page talks to this origin only; the policy has the browser enforce that as well. */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                          "media-src 'self' blob:; img-src 'self' data:; base-uri 'none'; form-action 'none'";

void kk_route_web(kk_server *s, kk_req *req, const char *path)
{
    if (!s->cfg->web_player) {
        kk_send_error(req, 404, "not_found", "the web player is disabled (ENABLE_WEB_PLAYER=false)");
        return;
    }
    if (path == NULL) { /* "/web" without the slash: relative URLs in the page need it */
        kk_req_header(req, "Location", "/web/");
        kk_req_respond(req, 308, "text/plain", "/web/", 5);
        return;
    }
    if (!strcmp(path, "config.json")) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "version", kokoro_version());
        cJSON_AddNumberToObject(j, "max_input_chars", (double)s->cfg->max_input_chars);
        cJSON_AddBoolToObject(j, "api_keys", s->cfg->api_keys && s->cfg->api_keys[0]);
        kk_req_header(req, "Cache-Control", "no-cache");
        kk_send_json(req, 200, j);
        return;
    }
    const unsigned char *data;
    size_t len;
    const char *mime;
    if (!kk_web_asset(path, &data, &len, &mime)) {
        kk_send_error(req, 404, "not_found", "Not Found: /web/%.200s", path);
        return;
    }
    kk_req_header(req, "Cache-Control", "no-cache");
    kk_req_header(req, "X-Content-Type-Options", "nosniff");
    if (!strncmp(mime, "text/html", 9))
        kk_req_header(req, "Content-Security-Policy", csp);
    kk_req_respond(req, 200, mime, data, len);
}
