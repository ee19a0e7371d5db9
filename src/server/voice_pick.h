/* voice_pick — turns a request's `voice` string into a loaded voice: grammar and OpenAI names
 * (kk_voice_mix_parse), every name checked against the voices folder (so nothing else on disk is ever
 * reachable), then the mix computed by kokoro_voice_resolve. Sends the 400 itself on failure. */
#ifndef KOKORO_SERVER_VOICE_PICK_H
#define KOKORO_SERVER_VOICE_PICK_H
#include "model/voice.h"
#include "server/server.h"
#include "server/voice_expr.h"

/* 0 with *out set (free with kokoro_voice_free) and expr filled; -1 after responding. */
int kk_voice_pick(kk_server *s, kk_req *req, const char *voice, kk_voice_mix *expr, kokoro_voice **out);
/* The same without responding: -1 with the HTTP status and message in *status / msg. */
int kk_voice_pick_quiet(kk_server *s, const char *voice, kk_voice_mix *expr, kokoro_voice **out, unsigned *status,
                        char *msg, size_t msglen);
#endif
