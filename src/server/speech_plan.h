/* speech_plan — a parsed speech request turned into synthesis work: SSML translated to tags, the
 * text split into voice segments ([voice:]/[rate:] tags, voice_aliases), every segment's voice
 * checked and loaded, and each segment chunked in its own voice's language (a bf_ voice inside an
 * af_ request reads British English). A speaker change is always a chunk boundary. */
#ifndef KOKORO_SERVER_SPEECH_PLAN_H
#define KOKORO_SERVER_SPEECH_PLAN_H
#include "server/request.h"
#include "server/synth.h"

/* Fills p (chunks, voices, per-chunk speed, input, format and stream fields) from q. 0, or -1 with
 * *e set (400 bad SSML/voice/no speakable text, 403 switched off, ...); p is then empty. */
int kk_speech_plan(kk_server *s, const kk_speech_request *q, int captioned, kk_synth_params *p, kk_parse_error *e);
#endif
