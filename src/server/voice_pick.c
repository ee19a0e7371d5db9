#include "server/voice_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/voice.h"
#include "server/errors.h"

static int listed(char **names, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(names[k], name))
            return 1;
    return 0;
}

int kk_voice_pick(kk_server *s, kk_req *req, const char *voice, kk_voice_mix *expr, kokoro_voice **out)
{
    unsigned status = 400;
    char msg[4096];
    if (kk_voice_pick_quiet(s, voice, expr, out, &status, msg, sizeof msg)) {
        kk_send_error(req, status, status == 400 ? "validation_error" : "processing_error", "%s", msg);
        return -1;
    }
    return 0;
}

int kk_voice_pick_quiet(kk_server *s, const char *voice, kk_voice_mix *expr, kokoro_voice **out, unsigned *status,
                        char *msg, size_t msglen)
{
    *status = 400;
    *out = NULL;
    char **names = NULL;
    size_t n = 0;
    kokoro_error err;
    if (kk_voices_list(s->cfg->voices_dir, &names, &n, &err) != KOKORO_OK) {
        names = NULL;
        n = 0;
    }
    /* A voice file whose name contains '-' is that voice, not a subtraction. */
    char whole[KK_VOICE_NAME_MAX];
    size_t k = 0;
    for (const char *p = voice; *p && k + 1 < sizeof whole; p++)
        if (*p != ' ')
            whole[k++] = *p;
    whole[k] = '\0';
    int direct = k > 0 && kk_voice_name_valid(whole) && listed(names, n, whole);
    if (direct) {
        memset(expr, 0, sizeof *expr);
        snprintf(expr->items[0].name, sizeof expr->items[0].name, "%s", whole);
        expr->items[0].weight = 1;
        expr->items[0].sign = 1;
        expr->n = 1;
        snprintf(expr->canonical, sizeof expr->canonical, "%s", whole);
    } else if (kk_voice_mix_parse(voice, expr, &err) != KOKORO_OK) {
        snprintf(msg, msglen, "%s", err.message);
        kk_voices_list_free(names, n);
        return -1;
    }
    for (size_t i = 0; i < expr->n; i++) {
        if (!listed(names, n, expr->items[i].name)) {
            char *all = kk_voice_list_join(names, n);
            snprintf(msg, msglen, "Voice '%s' not found. Available voices: %s", expr->items[i].name, all ? all : "");
            free(all);
            kk_voices_list_free(names, n);
            return -1;
        }
    }
    kk_voices_list_free(names, n);
    /* allow_paths = 0: a request can only ever name voices inside the voices folder. */
    if (kk_voice_resolve(s->cfg->voices_dir, expr->canonical, 0, out, &err) != KOKORO_OK) {
        *status = err.code == KOKORO_ERR_NOT_FOUND || err.code == KOKORO_ERR_INVALID_ARGUMENT ? 400 : 500;
        snprintf(msg, msglen, "%s", err.message);
        return -1;
    }
    return 0;
}
