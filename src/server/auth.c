/* API keys (API_KEYS): "Authorization: Bearer <key>"; compared in constant time so response
 * timing does not reveal how much of a guess was right. */
#include <string.h>
#include <strings.h>

#include "server/errors.h"
#include "server/server.h"

static int same(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

int kk_auth_check(kk_server *s, kk_req *req)
{
    char **keys = s->cfg->api_keys;
    if (!keys || !keys[0])
        return 1;
    const char *h = kk_req_get_header(req, "Authorization");
    if (h && !strncasecmp(h, "Bearer ", 7)) {
        const char *tok = h + 7;
        while (*tok == ' ')
            tok++;
        int ok = 0;
        for (char **k = keys; *k; k++)
            ok |= same(tok, *k);
        if (ok)
            return 1;
    }
    kk_req_header(req, "WWW-Authenticate", "Bearer");
    kk_send_error(req, 401, "invalid_api_key",
                  h ? "Invalid API key" : "Missing API key: send 'Authorization: Bearer <key>'");
    return 0;
}
