/* Fuzzes what the server reads from a request body before any work starts: the speech request
 * parser/validator (JSON, types, ranges, UTF-8), the server's voice-mix grammar and the library's
 * (kk_voice_resolve with paths refused, against the fixture voices when run from the repository
 * root as scripts/fuzz.sh does). The input is used both as a whole body and as a `voice`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/voice.h"
#include "server/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kk_request_rules rules = {4096, "af_heart", (int)(size & 1)};
    kk_speech_request q;
    kk_parse_error e;
    if (kk_speech_request_parse((const char *)data, size, &rules, &q, &e) == 0) {
        /* A valid request must satisfy the invariants the routes rely on. */
        if (!q.input || !q.voice || !(q.speed >= 0.25f && q.speed <= 4.0f) ||
            !kk_utf8_valid(q.input, strlen(q.input)) || kk_utf8_count(q.input) > rules.max_input_chars)
            abort();
        kk_voice_mix x;
        kk_voice_mix_parse(q.voice, &x, NULL);
        kk_speech_request_free(&q);
    } else if (e.status < 400 || e.status > 499 || !e.code || !e.message[0]) {
        abort();
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    kk_voice_mix x;
    if (kk_voice_mix_parse(s, &x, NULL) == KOKORO_OK) {
        if (x.n == 0 || x.n > KK_VOICE_MIX_MAX)
            abort();
        for (size_t i = 0; i < x.n; i++)
            if (!x.items[i].name[0] || x.items[i].name[0] == '.' || strchr(x.items[i].name, '/') ||
                !(x.items[i].weight > 0))
                abort();
    }
    if (size < 256) {
        kokoro_voice *v = NULL;
        kokoro_error e2;
        if (kk_voice_resolve("tests/fixtures/golden/voices", s, 0, &v, &e2) == KOKORO_OK) {
            if (!v || v->rows <= 0 || v->dim <= 0 || !v->data)
                abort();
            kokoro_voice_free(v);
        } else if (v || !e2.message[0]) {
            abort();
        }
    }
    free(s);
    return 0;
}
