#include "server/speech_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ssml.h"
#include "server/voice_expr.h"
#include "server/voice_pick.h"
#include "server/voice_tags.h"

#define KK_PLAN_MAX_VOICES 32

static int fail_status(kk_parse_error *e, const kokoro_error *err)
{
    switch (err->code) {
    case KOKORO_ERR_INVALID_ARGUMENT:
    case KOKORO_ERR_NOT_FOUND:
    case KOKORO_ERR_UNSUPPORTED:
        return kk_parse_fail(e, 400, "validation_error", "%s", err->message);
    case KOKORO_ERR_TOO_LONG:
        return kk_parse_fail(e, 413, "input_too_long", "%s", err->message);
    default:
        return kk_parse_fail(e, 500, "processing_error", "%s", err->message);
    }
}

/* Index of voice expression v among the request's voices, loading it on first use; -1 on error. */
static long voice_index(kk_server *s, kk_synth_params *p, char ***exprs, const char *v, const char **lang_out,
                        const kk_speech_request *q, kk_parse_error *e)
{
    for (size_t i = 0; i < p->n_voices; i++)
        if (!strcmp((*exprs)[i], v)) {
            *lang_out = q->lang[0] ? q->lang : kk_lang_from_voice(p->voice_names[i], s->cfg->default_voice_code);
            return (long)i;
        }
    /* Each distinct voice or mix is a 510 KB style table held for the whole request. */
    if (p->n_voices >= KK_PLAN_MAX_VOICES)
        return kk_parse_fail(e, 400, "validation_error", "a request may use at most %d different voices or mixes",
                    KK_PLAN_MAX_VOICES);
    size_t n = p->n_voices + 1;
    kokoro_voice **nv = realloc(p->voices, n * sizeof *nv);
    if (nv)
        p->voices = nv;
    char **nn = realloc(p->voice_names, n * sizeof *nn);
    if (nn)
        p->voice_names = nn;
    char **ne = realloc(*exprs, n * sizeof *ne);
    if (ne)
        *exprs = ne;
    if (!nv || !nn || !ne)
        return kk_parse_fail(e, 500, "internal_error", "out of memory");
    kk_voice_mix expr;
    kokoro_voice *voice = NULL;
    unsigned status = 400;
    if (kk_voice_pick_quiet(s, v, &expr, &voice, &status, e->message, sizeof e->message)) {
        e->status = status;
        e->code = status == 400 ? "validation_error" : "processing_error";
        return -1;
    }
    char *name = strdup(expr.canonical), *ex = strdup(v);
    if (!name || !ex) {
        free(name);
        free(ex);
        kokoro_voice_free(voice);
        return kk_parse_fail(e, 500, "internal_error", "out of memory");
    }
    p->voices[p->n_voices] = voice;
    p->voice_names[p->n_voices] = name;
    (*exprs)[p->n_voices] = ex;
    p->n_voices++;
    *lang_out = q->lang[0] ? q->lang : kk_lang_from_voice(name, s->cfg->default_voice_code);
    return (long)(p->n_voices - 1);
}

/* Appends one segment's chunks, with their source spans moved into the tagged text. */
static int add_chunks(kk_synth_params *p, const kk_segment *seg, kokoro_chunk *ch, size_t n, size_t vi, float speed,
                      kk_parse_error *e)
{
    /* Capacity is the next power of two of the count, so many small segments grow in O(n). */
    size_t total = p->n_chunks + n, cap = 1, have = 1;
    while (cap < total)
        cap *= 2;
    while (have < p->n_chunks)
        have *= 2;
    int grow = !p->chunks || cap > have;
    kokoro_chunk *nc = grow ? realloc(p->chunks, cap * sizeof *nc) : p->chunks;
    if (nc)
        p->chunks = nc;
    size_t *nv = grow ? realloc(p->chunk_voice, cap * sizeof *nv) : p->chunk_voice;
    if (nv)
        p->chunk_voice = nv;
    float *ns = grow ? realloc(p->chunk_speed, cap * sizeof *ns) : p->chunk_speed;
    if (ns)
        p->chunk_speed = ns;
    if (!nc || !nv || !ns) {
        kokoro_chunks_free(ch, n);
        return kk_parse_fail(e, 500, "internal_error", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        kokoro_chunk *c = &ch[i];
        c->src_start = kk_segment_src(seg, c->src_start);
        c->src_end = kk_segment_src(seg, c->src_end);
        for (size_t w = 0; w < c->n_words; w++) {
            c->words[w].src_start = kk_segment_src(seg, c->words[w].src_start);
            c->words[w].src_end = kk_segment_src(seg, c->words[w].src_end);
        }
        p->chunks[p->n_chunks] = *c;
        p->chunk_voice[p->n_chunks] = vi;
        p->chunk_speed[p->n_chunks] = speed;
        p->n_chunks++;
    }
    free(ch); /* the array only: its contents moved into p->chunks */
    return 0;
}

int kk_speech_plan(kk_server *s, const kk_speech_request *q, int captioned, kk_synth_params *p, kk_parse_error *e)
{
    memset(p, 0, sizeof *p);
    const kk_settings *cfg = s->cfg;
    if (q->allow_voice_tags && !cfg->enable_voice_tags)
        return kk_parse_fail(e, 403, "permission_denied", "voice tags are disabled on this server (ENABLE_VOICE_TAGS=false)");
    char *text = NULL;
    if (q->ssml) {
        if (!cfg->enable_ssml)
            return kk_parse_fail(e, 403, "permission_denied", "SSML is disabled on this server (ENABLE_SSML=false)");
        if (!q->allow_voice_tags)
            return kk_parse_fail(e, 400, "validation_error", "'ssml' needs 'allow_voice_tags': true");
        if (kk_ssml_detect(q->input)) {
            char msg[512];
            if (kk_ssml_translate(q->input, strlen(q->input), q->voice, cfg->ssml_max_depth, &text, msg, sizeof msg))
                return kk_parse_fail(e, 400, "validation_error", "%s", msg);
        }
    }
    if (!text)
        text = strdup(q->input);
    if (!text)
        return kk_parse_fail(e, 500, "internal_error", "out of memory");
    kk_segment *segs = NULL;
    size_t n_segs = 0;
    char msg[128];
    if (kk_voice_tags_split(text, q->voice, &q->aliases, q->allow_voice_tags, &segs, &n_segs, msg, sizeof msg)) {
        free(text);
        return kk_parse_fail(e, 500, "internal_error", "%s", msg);
    }
    kokoro_normalization_options norm = q->norm;
    if (!cfg->advanced_normalization)
        norm.normalize = 0;
    char **exprs = NULL;
    /* The request voice is checked even when a tag replaces it before any text. */
    const kk_alias *ra = kk_alias_find(&q->aliases, q->voice);
    const char *lang0 = NULL;
    int rc = voice_index(s, p, &exprs, ra ? ra->voice : q->voice, &lang0, q, e) < 0 ? -1 : 0;
    for (size_t i = 0; i < n_segs && !rc; i++) {
        const char *lang = NULL;
        long vi = voice_index(s, p, &exprs, segs[i].voice, &lang, q, e);
        if (vi < 0) {
            rc = -1;
            break;
        }
        kokoro_chunk *ch = NULL;
        size_t n = 0;
        kokoro_error err;
        /* Only the request's first chunk decides when its audio starts: later segments (other
         * speakers) keep whole first clauses. */
        size_t first = p->n_chunks == 0 ? cfg->first_chunk_phonemes : 0;
        if (kokoro_text_to_chunks_ex(s->fe, segs[i].text, lang, &norm, first, &ch, &n, &err) != KOKORO_OK) {
            rc = fail_status(e, &err);
            break;
        }
        double speed = (double)q->speed * segs[i].rate;
        speed = speed < KK_TAG_RATE_MIN ? KK_TAG_RATE_MIN : (speed > KK_TAG_RATE_MAX ? KK_TAG_RATE_MAX : speed);
        rc = add_chunks(p, &segs[i], ch, n, (size_t)vi, (float)speed, e);
    }
    for (size_t i = 0; i < p->n_voices; i++)
        free(exprs[i]);
    free(exprs);
    kk_segments_free(segs, n_segs);
    int speakable = 0;
    for (size_t i = 0; !rc && i < p->n_chunks && !speakable; i++)
        speakable = (p->chunks[i].phonemes && p->chunks[i].phonemes[0]) || p->chunks[i].pause_s > 0;
    if (!rc && !speakable)
        rc = kk_parse_fail(e, 400, "validation_error", "Input contains no speakable text");
    if (rc) {
        free(text);
        kk_synth_params_free(p);
        return -1;
    }
    p->input = text;
    p->speed = q->speed;
    p->volume = q->volume;
    p->format = q->format;
    p->format_name = q->format_name;
    p->stream = q->stream;
    p->trim = 1;
    p->captioned = captioned;
    p->download_link = q->return_download_link;
    p->word_voice = q->allow_voice_tags;
    p->sse = !captioned && q->sse;
    p->sse_words = p->sse && q->return_timestamps;
    p->has_seed = q->has_seed;
    p->seed = q->seed;
    p->timing = q->return_timing;
    return 0;
}
