#include "server/timing.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double ms(double s)
{
    return round(s * 1000.0) / 1000.0;
}

int kk_timing_init(kk_timing *t, const kk_synth_params *p)
{
    memset(t, 0, sizeof *t);
    t->root = cJSON_CreateObject();
    if (!t->root || !cJSON_AddArrayToObject(t->root, "chunks"))
        return kk_timing_free(t), -1;
    if (p->n_turns) {
        t->turn_t = malloc(2 * p->n_turns * sizeof *t->turn_t);
        t->turn_voice = calloc(p->n_turns, sizeof *t->turn_voice);
        if (!t->turn_t || !t->turn_voice)
            return kk_timing_free(t), -1;
        for (size_t i = 0; i < 2 * p->n_turns; i++)
            t->turn_t[i] = -1;
    }
    return 0;
}

/* The turn whose text holds the chunk (the spans are in order: a binary search); pauses between
 * turns belong to none. */
static long turn_of(const kk_synth_params *p, const kokoro_chunk *ch)
{
    size_t lo = 0, hi = p->n_turns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->turn_spans[2 * mid + 1] <= ch->src_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->n_turns && ch->src_start >= p->turn_spans[2 * lo] ? (long)lo : -1;
}

void kk_timing_add(kk_timing *t, const kk_synth_params *p, size_t index, double start, double end)
{
    cJSON *chunks = t->root ? cJSON_GetObjectItemCaseSensitive(t->root, "chunks") : NULL;
    const kokoro_chunk *ch = p->phonemes ? NULL : &p->chunks[index];
    cJSON *e = chunks ? cJSON_CreateObject() : NULL;
    if (!e)
        return;
    int pause = ch && ch->pause_s > 0;
    cJSON_AddStringToObject(e, "text", ch && !pause && ch->text ? ch->text : "");
    cJSON_AddNumberToObject(e, "start", ms(start));
    cJSON_AddNumberToObject(e, "end", ms(end));
    if (p->voice_names && ch)
        cJSON_AddStringToObject(e, "voice", p->voice_names[p->chunk_voice[index]]);
    cJSON_AddItemToArray(chunks, e);
    long k = ch && !pause && t->turn_t ? turn_of(p, ch) : -1;
    if (k >= 0) {
        if (t->turn_t[2 * k] < 0) {
            t->turn_t[2 * k] = start;
            t->turn_voice[k] = p->voice_names ? p->voice_names[p->chunk_voice[index]] : NULL;
        }
        t->turn_t[2 * k + 1] = end;
    }
}

char *kk_timing_print(kk_timing *t, const kk_synth_params *p)
{
    if (!t->root)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(t->root, "turns");
    if (t->turn_t) {
        cJSON *turns = cJSON_AddArrayToObject(t->root, "turns");
        for (size_t k = 0; turns && k < p->n_turns; k++) {
            cJSON *e = cJSON_CreateObject();
            if (!e)
                break;
            if (t->turn_voice[k])
                cJSON_AddStringToObject(e, "voice", t->turn_voice[k]);
            cJSON_AddNumberToObject(e, "start", ms(t->turn_t[2 * k] < 0 ? 0 : t->turn_t[2 * k]));
            cJSON_AddNumberToObject(e, "end", ms(t->turn_t[2 * k + 1] < 0 ? 0 : t->turn_t[2 * k + 1]));
            cJSON_AddItemToArray(turns, e);
        }
    }
    return cJSON_PrintUnformatted(t->root);
}

void kk_timing_free(kk_timing *t)
{
    cJSON_Delete(t->root);
    free(t->turn_t);
    free(t->turn_voice);
    memset(t, 0, sizeof *t);
}
