/* Fuzzes the SSML translator (expat with DTDs refused, depth-limited): any input either fails
 * with a message or yields tag text without control whitespace runs, which the tag grammar then
 * splits without trouble. The first byte picks the voice (none strips <voice>/<prosody>) and depth. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/ssml.h"
#include "server/voice_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *voice = (data[0] & 1) ? "af_heart" : "";
    int depth = 1 + (data[0] >> 1) % 12;
    char *out = NULL, msg[512];
    msg[0] = '\0';
    if (kk_ssml_translate((const char *)data + 1, size - 1, voice, depth, &out, msg, sizeof msg) == 0) {
        if (!out)
            abort();
        for (const char *p = out; *p; p++)
            if (*p == '\n' || *p == '\t' || (p[0] == ' ' && p[1] == ' '))
                abort(); /* white space is squeezed */
        kk_segment *segs = NULL;
        size_t n = 0;
        if (kk_voice_tags_split(out, voice[0] ? voice : "af_heart", NULL, 1, &segs, &n, msg, sizeof msg) == 0)
            kk_segments_free(segs, n);
        free(out);
    } else if (!msg[0] || out) {
        abort();
    }
    return 0;
}
