/* Fuzzes the inline speaker grammar ([voice:], [rate:], [baserate:]) with request-scoped aliases:
 * every segment must be non-blank, keep its pace inside 0.25-4, and map each of its bytes back to
 * the same byte of the tagged text. The first input byte picks tags on/off and the request voice. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/voice_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int on = data[0] & 1;
    const char *voice = (data[0] & 2) ? "Narrator" : "af_heart";
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    cJSON *o = cJSON_Parse("{\"narrator\":{\"voice\":\"bm_george\",\"rate\":0.5},\"kid\":\"af_sky(2)+af_bella\"}");
    kk_alias_set al;
    unsigned st;
    char msg[128];
    if (kk_aliases_parse(o, &al, &st, msg, sizeof msg))
        abort();
    cJSON_Delete(o);
    kk_segment *segs = NULL;
    size_t n = 0;
    if (kk_voice_tags_split(text, voice, &al, on, &segs, &n, msg, sizeof msg) == 0) {
        size_t len = strlen(text);
        for (size_t i = 0; i < n; i++) {
            const kk_segment *s = &segs[i];
            if (!s->text[0] || !s->voice[0] || !(s->rate >= KK_TAG_RATE_MIN && s->rate <= KK_TAG_RATE_MAX))
                abort();
            if (i > 0 && !strcmp(segs[i - 1].voice, s->voice) && segs[i - 1].rate == s->rate)
                abort(); /* neighbours with the same voice and pace are merged */
            for (size_t k = 0; s->text[k]; k++) {
                size_t src = kk_segment_src(s, k);
                if (src > len || (s->text[k] != ' ' && text[src] != s->text[k]))
                    abort();
            }
        }
        kk_segments_free(segs, n);
    }
    kk_aliases_free(&al);
    free(text);
    return 0;
}
