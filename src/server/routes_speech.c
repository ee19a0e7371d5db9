/* POST /v1/audio/speech and POST /dev/captioned_speech: validate everything (body, voices, tags,
 * SSML, language, text) before the response starts, then hand over to synth. */
#include <stdlib.h>
#include <string.h>

#include "server/errors.h"
#include "server/request.h"
#include "server/speech_plan.h"
#include "server/synth.h"

static void speech(kk_server *s, kk_req *req, int captioned)
{
    kk_request_rules rules = {s->cfg->max_input_chars, s->cfg->default_voice, captioned};
    kk_speech_request q;
    kk_parse_error pe;
    if (kk_speech_request_parse(req->body, req->body_len, &rules, &q, &pe)) {
        kk_send_error(req, pe.status, pe.code, "%s", pe.message);
        return;
    }
    kk_synth_params p;
    if (kk_speech_plan(s, &q, captioned, &p, &pe)) {
        kk_send_error(req, pe.status, pe.code, "%s", pe.message);
        kk_speech_request_free(&q);
        return;
    }
    kk_speech_request_free(&q);
    kk_synth_respond(s, req, &p);
}

void kk_route_speech(kk_server *s, kk_req *req)
{
    speech(s, req, 0);
}

void kk_route_captioned_speech(kk_server *s, kk_req *req)
{
    speech(s, req, 1);
}
