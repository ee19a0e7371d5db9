/* POST /v1/audio/speech and POST /dev/captioned_speech: validate everything (body, voice,
 * language, text) before the response starts, then hand over to synth. */
#include <stdlib.h>
#include <string.h>

#include "server/errors.h"
#include "server/request.h"
#include "server/synth.h"
#include "server/voice_pick.h"

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
    memset(&p, 0, sizeof p);
    kk_voice_mix expr;
    if (kk_voice_pick(s, req, q.voice, &expr, &p.voice)) {
        kk_speech_request_free(&q);
        return;
    }
    const char *lang = q.lang[0] ? q.lang : kk_lang_from_voice(expr.canonical, s->cfg->default_voice_code);
    if (!s->cfg->advanced_normalization)
        q.norm.normalize = 0;
    kokoro_error err;
    if (kokoro_text_to_chunks(s->fe, q.input, lang, &q.norm, &p.chunks, &p.n_chunks, &err) != KOKORO_OK) {
        kk_send_status_error(req, &err);
        kk_synth_params_free(&p);
        kk_speech_request_free(&q);
        return;
    }
    int speakable = 0;
    for (size_t i = 0; i < p.n_chunks && !speakable; i++)
        speakable = (p.chunks[i].phonemes && p.chunks[i].phonemes[0]) || p.chunks[i].pause_s > 0;
    if (!speakable) {
        kk_send_error(req, 400, "validation_error", "Input contains no speakable text");
        kk_synth_params_free(&p);
        kk_speech_request_free(&q);
        return;
    }
    p.input = q.input;
    q.input = NULL;
    p.speed = q.speed;
    p.volume = q.volume;
    p.format = q.format;
    p.format_name = q.format_name;
    p.stream = q.stream;
    p.trim = 1;
    p.captioned = captioned;
    p.download_link = q.return_download_link;
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
