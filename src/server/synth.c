#include "server/synth.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <time.h>

#include "server/admission.h"
#include "server/errors.h"
#include "server/request.h"
#include "server/timing.h"

/* ------------------------------------------------------------------ worker side */

typedef struct {
    char *word;
    size_t src_start, src_end; /* where the word is in the original input */
    double start, end;         /* seconds from the start of this chunk's (trimmed) audio */
} word_ts;

typedef struct {
    float *samples;
    size_t n;
    size_t n_speech; /* n less the gap after the chunk */
    size_t n_tokens; /* phoneme tokens synthesised (SSE usage) */
    size_t index;
    word_ts *words;
    size_t n_words;
} chunk_audio;

typedef struct {
    kk_server *s;
    kk_synth_params p;
    size_t n_items;
    kk_ticket ticket; /* this request's place in the admission queue */
} synth_ctx;

static size_t code_points(const char *p)
{
    size_t n = 0;
    for (; p && *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

static void chunk_audio_free(void *arg)
{
    chunk_audio *a = arg;
    if (!a)
        return;
    for (size_t i = 0; i < a->n_words; i++)
        free(a->words[i].word);
    free(a->words);
    free(a->samples);
    free(a);
}

/* tokens[k] = how many model tokens the first k code points of ph make. */
static size_t *token_prefix(const kokoro_model *model, const char *ph, size_t *n_cp)
{
    size_t len = strlen(ph), cps = 0;
    for (size_t i = 0; i < len; i++)
        cps += ((unsigned char)ph[i] & 0xC0) != 0x80;
    size_t *pre = calloc(cps + 1, sizeof *pre);
    if (!pre)
        return NULL;
    size_t i = 0, k = 0;
    while (i < len && k < cps) {
        size_t j = i + 1;
        while (j < len && ((unsigned char)ph[j] & 0xC0) == 0x80)
            j++;
        char one[8] = {0};
        memcpy(one, ph + i, j - i < 7 ? j - i : 7);
        int64_t *ids = NULL;
        size_t n_ids = 0;
        if (kokoro_tokenize(model, one, &ids, &n_ids, NULL) != KOKORO_OK)
            n_ids = 0;
        free(ids);
        pre[k + 1] = pre[k] + n_ids;
        k++;
        i = j;
    }
    *n_cp = cps;
    return pre;
}

static void chunk_timestamps(const synth_ctx *c, const kokoro_chunk *ch, const kokoro_audio *a, size_t front,
                             size_t n_kept, chunk_audio *r)
{
    if (!ch->n_words || !a->durations || !a->n_tokens)
        return;
    size_t n_cp = 0;
    size_t *pre = token_prefix(c->s->model, ch->phonemes, &n_cp);
    r->words = calloc(ch->n_words, sizeof *r->words);
    if (!pre || !r->words) {
        free(pre);
        return;
    }
    double frame_s = (double)a->frame_samples / KOKORO_SAMPLE_RATE;
    double shift = (double)front / KOKORO_SAMPLE_RATE, limit = (double)n_kept / KOKORO_SAMPLE_RATE;
    size_t input_len = strlen(c->p.input);
    for (size_t w = 0; w < ch->n_words; w++) {
        const kokoro_word *kw = &ch->words[w];
        size_t ps = kw->ph_start < n_cp ? kw->ph_start : n_cp, pe = kw->ph_end < n_cp ? kw->ph_end : n_cp;
        if (pe < ps)
            pe = ps;
        /* durations[0] is the boundary token, so token t of the phonemes is durations[t + 1]. */
        size_t t0 = 1 + pre[ps], t1 = 1 + pre[pe];
        double before = 0, dur = 0;
        for (size_t t = 0; t < t0 && t < a->n_tokens; t++)
            before += a->durations[t];
        for (size_t t = t0; t < t1 && t < a->n_tokens; t++)
            dur += a->durations[t];
        double st = before * frame_s - shift, en = (before + dur) * frame_s - shift;
        st = st < 0 ? 0 : (st > limit ? limit : st);
        en = en < st ? st : (en > limit ? limit : en);
        size_t ss = kw->src_start < input_len ? kw->src_start : input_len;
        size_t se = kw->src_end < input_len ? kw->src_end : input_len;
        if (se <= ss)
            continue;
        /* Several spoken words from one written word ("$100" -> "one hundred dollars") are one entry. */
        if (r->n_words > 0 && r->words[r->n_words - 1].src_start == ss && r->words[r->n_words - 1].src_end == se) {
            if (en > r->words[r->n_words - 1].end)
                r->words[r->n_words - 1].end = en;
            continue;
        }
        word_ts *o = &r->words[r->n_words];
        o->src_start = ss;
        o->src_end = se;
        o->word = strndup(c->p.input + ss, se - ss);
        if (!o->word)
            continue;
        o->start = st;
        o->end = en;
        r->n_words++;
    }
    free(pre);
}

static float chunk_speed(const kk_synth_params *p, size_t index)
{
    return p->chunk_speed && !p->phonemes ? p->chunk_speed[index] : p->speed;
}

static const char *chunk_voice_name(const kk_synth_params *p, size_t index)
{
    return p->voice_names && !p->phonemes ? p->voice_names[p->chunk_voice[index]] : NULL;
}

static void *synth_work(void *arg, size_t index, int *failed)
{
    synth_ctx *c = arg;
    chunk_audio *r = calloc(1, sizeof *r);
    if (!r) {
        *failed = 1;
        return NULL;
    }
    r->index = index;
    const kokoro_chunk *ch = c->p.phonemes ? NULL : &c->p.chunks[index];
    const char *ph = ch ? ch->phonemes : c->p.phonemes;
    if (ch && ch->pause_s > 0) {
        r->n = (size_t)(ch->pause_s * KOKORO_SAMPLE_RATE);
        r->n_speech = r->n;
        r->samples = calloc(r->n ? r->n : 1, sizeof *r->samples);
        if (!r->samples) {
            free(r);
            *failed = 1;
            return NULL;
        }
        kk_admission_progress(&c->s->adm, &c->ticket, ch->pause_s);
        return r;
    }
    if (!ph || !*ph)
        return r;
    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    opt.speed = chunk_speed(&c->p, index);
    opt.pool = c->s->pool;
    opt.precision = c->s->cfg->precision;
    /* Each chunk its own stream, so that a seeded request is reproducible chunk by chunk. */
    opt.seed = c->p.has_seed ? c->p.seed * 0x9E3779B97F4A7C15ull + index : 0;
    kokoro_audio a;
    memset(&a, 0, sizeof a);
    kokoro_error err;
    double t0 = kk_now();
    const kokoro_voice *voice = c->p.voices && ch ? c->p.voices[c->p.chunk_voice[index]] : c->p.voice;
    kk_admission_chunk_begin(&c->s->adm);
    if (kokoro_synthesize(c->s->model, voice, ph, &opt, &a, &err) != KOKORO_OK) {
        kk_admission_chunk_end(&c->s->adm, 0, 0, 0);
        fprintf(stderr, "kokoro serve: chunk %zu skipped: %s\n", index, err.message);
        free(r);
        *failed = 1;
        return NULL;
    }
    if (c->s->cfg->test_chunk_delay_ms) {
        struct timespec d = {c->s->cfg->test_chunk_delay_ms / 1000, (long)(c->s->cfg->test_chunk_delay_ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    double compute = kk_now() - t0;
    kk_admission_chunk_end(&c->s->adm, code_points(ph), (double)a.n_samples / KOKORO_SAMPLE_RATE, compute);
    size_t n0 = a.n_samples, n1 = n0, front = 0;
    if (c->p.trim && n0 > 0) {
        /* Where the kept part starts, for the word timestamps; then the trim itself. */
        kokoro_trim_range(a.samples, n0, &front);
        n1 = kokoro_trim_chunk(a.samples, n0, index == 0, index + 1 == c->n_items);
        if (n1 > n0)
            n1 = n0;
    }
    /* The gap after a sentence: Kokoro-FastAPI's trailing pad, scaled by the speed. */
    size_t gap = 0;
    if (c->p.trim && ch && !ch->joins_next && index + 1 < c->n_items) {
        double g = (kokoro_pause_after(ch->text) + 0.05) / opt.speed - 0.05;
        gap = g > 0 ? (size_t)(g * KOKORO_SAMPLE_RATE) : 0;
    }
    r->samples = calloc(n1 + gap ? n1 + gap : 1, sizeof *r->samples);
    if (!r->samples) {
        kokoro_audio_free(&a);
        free(r);
        *failed = 1;
        return NULL;
    }
    memcpy(r->samples, a.samples, n1 * sizeof *r->samples);
    r->n = n1 + gap;
    r->n_speech = n1;
    r->n_tokens = a.n_tokens >= 2 ? a.n_tokens - 2 : 0;
    if ((c->p.captioned || c->p.sse_words) && ch)
        chunk_timestamps(c, ch, &a, front, n1, r);
    kokoro_audio_free(&a);
    kk_metrics_synth(&c->s->metrics, (double)n1 / KOKORO_SAMPLE_RATE, compute);
    kk_admission_progress(&c->s->adm, &c->ticket, (double)r->n / KOKORO_SAMPLE_RATE);
    return r;
}

/* ------------------------------------------------------------------ request side */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} bytes;

static int bytes_add(bytes *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return 0;
}

typedef struct {
    kk_server *s;
    kk_req *req; /* valid only while the request runs (handler, stream reads) */
    synth_ctx ctx;
    kk_job *job;
    kokoro_encoder *enc;
    bytes out;     /* ready to send */
    size_t out_off;
    bytes audio;   /* captioned: encoded audio not yet framed into a line */
    cJSON *ts;     /* captioned: timestamps not yet framed */
    size_t next;
    int finished;
    int oom;
    double deadline;
    double audio_s; /* seconds of audio produced so far (the running timestamp offset) */
    FILE *tee;
    int counted_stream;
    int ended; /* run_read saw the end, or logged why it stopped early */
    kk_timing timing; /* return_timing */
    int timing_on;
    char timing_name[160]; /* sidecar file in the download store, "" = none */
    size_t tokens;  /* SSE usage */
    const char *why; /* why the last step ended the request early */
} synth_run;

static int encoder_sink(void *arg, const uint8_t *d, size_t n)
{
    synth_run *r = arg;
    if (r->tee && fwrite(d, 1, n, r->tee) != n) {
        fclose(r->tee);
        r->tee = NULL;
    }
    if (bytes_add(r->ctx.p.captioned || r->ctx.p.sse ? &r->audio : &r->out, d, n)) {
        r->oom = 1;
        return 1;
    }
    return 0;
}

static char *base64(const unsigned char *d, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(4 * ((n + 2) / 3) + 1), *w = o;
    if (!o)
        return NULL;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *w++ = tbl[v >> 18];
        *w++ = tbl[(v >> 12) & 63];
        *w++ = tbl[(v >> 6) & 63];
        *w++ = tbl[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
        *w++ = tbl[v >> 18];
        *w++ = tbl[(v >> 12) & 63];
        *w++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *w++ = '=';
    }
    *w = '\0';
    return o;
}

/* One NDJSON line / the final JSON object: {"audio", "audio_format", "timestamps"}. */
static int emit_captioned(synth_run *r, int newline)
{
    char *b64 = base64(r->audio.p ? r->audio.p : (const unsigned char *)"", r->audio.len);
    cJSON *o = cJSON_CreateObject();
    if (!b64 || !o) {
        free(b64);
        cJSON_Delete(o);
        return -1;
    }
    cJSON_AddStringToObject(o, "audio", b64);
    free(b64);
    cJSON_AddStringToObject(o, "audio_format", kk_format_mime(r->ctx.p.format));
    cJSON_AddItemToObject(o, "timestamps", r->ts ? r->ts : cJSON_CreateArray());
    r->ts = cJSON_CreateArray();
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line || !r->ts) {
        free(line);
        return -1;
    }
    int rc = bytes_add(&r->out, line, strlen(line));
    if (!rc && newline)
        rc = bytes_add(&r->out, "\n", 1);
    free(line);
    r->audio.len = 0;
    return rc;
}

static void add_timestamps(synth_run *r, const chunk_audio *a)
{
    const char *voice = r->ctx.p.word_voice ? chunk_voice_name(&r->ctx.p, a->index) : NULL;
    for (size_t i = 0; i < a->n_words; i++) {
        cJSON *w = cJSON_CreateObject();
        if (!w)
            return;
        cJSON_AddStringToObject(w, "word", a->words[i].word);
        cJSON_AddNumberToObject(w, "start_time", round((r->audio_s + a->words[i].start) * 1000.0) / 1000.0);
        cJSON_AddNumberToObject(w, "end_time", round((r->audio_s + a->words[i].end) * 1000.0) / 1000.0);
        if (voice)
            cJSON_AddStringToObject(w, "voice", voice);
        cJSON_AddItemToArray(r->ts, w);
    }
}

/* One SSE event: `data: <json>` and a blank line. Takes obj. */
static int emit_event(synth_run *r, cJSON *obj)
{
    char *line = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!line)
        return -1;
    int rc = bytes_add(&r->out, "data: ", 6) || bytes_add(&r->out, line, strlen(line)) ||
             bytes_add(&r->out, "\n\n", 2);
    free(line);
    return rc ? -1 : 0;
}

/* The chunk's words as speech.word events (our extension), before the audio that speaks them. */
static int emit_sse_words(synth_run *r, const chunk_audio *a)
{
    const char *voice = r->ctx.p.word_voice ? chunk_voice_name(&r->ctx.p, a->index) : NULL;
    for (size_t i = 0; i < a->n_words; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return -1;
        cJSON_AddStringToObject(o, "type", "speech.word");
        cJSON_AddStringToObject(o, "word", a->words[i].word);
        cJSON_AddNumberToObject(o, "start", round((r->audio_s + a->words[i].start) * 1000.0) / 1000.0);
        cJSON_AddNumberToObject(o, "end", round((r->audio_s + a->words[i].end) * 1000.0) / 1000.0);
        cJSON_AddNumberToObject(o, "text_offset", (double)a->words[i].src_start);
        if (voice)
            cJSON_AddStringToObject(o, "voice", voice);
        if (emit_event(r, o))
            return -1;
    }
    return 0;
}

static int emit_sse_delta(synth_run *r)
{
    if (!r->audio.len)
        return 0;
    char *b64 = base64(r->audio.p, r->audio.len);
    cJSON *o = cJSON_CreateObject();
    if (!b64 || !o) {
        free(b64);
        cJSON_Delete(o);
        return -1;
    }
    cJSON_AddStringToObject(o, "type", "speech.audio.delta");
    cJSON_AddStringToObject(o, "audio", b64);
    free(b64);
    r->audio.len = 0;
    return emit_event(r, o);
}

/* usage: input tokens are the phoneme tokens the model read, output tokens the 25 ms duration
 * frames it produced (KOKORO_SAMPLE_RATE / 600 per second). */
static int emit_sse_done(synth_run *r)
{
    cJSON *o = cJSON_CreateObject(), *u = cJSON_CreateObject();
    if (!o || !u) {
        cJSON_Delete(o);
        cJSON_Delete(u);
        return -1;
    }
    double out_tokens = ceil(r->audio_s * KOKORO_SAMPLE_RATE / 600.0);
    cJSON_AddStringToObject(o, "type", "speech.audio.done");
    cJSON_AddNumberToObject(u, "input_tokens", (double)r->tokens);
    cJSON_AddNumberToObject(u, "output_tokens", out_tokens);
    cJSON_AddNumberToObject(u, "total_tokens", (double)r->tokens + out_tokens);
    cJSON_AddItemToObject(o, "usage", u);
    return emit_event(r, o);
}

static void write_timing_sidecar(synth_run *r)
{
    if (!r->timing_on || !r->timing_name[0])
        return;
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", r->s->downloads.dir, r->timing_name);
    char *txt = kk_timing_print(&r->timing, &r->ctx.p);
    FILE *f = txt ? fopen(path, "wb") : NULL;
    if (f) {
        fputs(txt, f);
        fclose(f);
    }
    free(txt);
}

enum { STEP_DONE = 0, STEP_MORE = 1, STEP_ABORT = -1, STEP_TIMEOUT = -2 };

/* Moves the request forward by one chunk (or the final flush). */
static int step(synth_run *r)
{
    if (r->finished)
        return STEP_DONE;
    kokoro_error err;
    if (r->next == r->ctx.n_items) {
        if (kokoro_encoder_finish(r->enc, &err) != KOKORO_OK)
            fprintf(stderr, "kokoro serve: encoder flush failed: %s\n", err.message);
        if (r->ctx.p.captioned && r->ctx.p.stream && (r->audio.len || cJSON_GetArraySize(r->ts) > 0))
            if (emit_captioned(r, 1))
                r->oom = 1;
        if (r->ctx.p.sse && (emit_sse_delta(r) || emit_sse_done(r)))
            r->oom = 1;
        write_timing_sidecar(r);
        if (r->oom)
            r->why = "out_of_memory";
        if (r->tee) {
            fclose(r->tee);
            r->tee = NULL;
        }
        r->finished = 1;
        return r->oom ? STEP_ABORT : STEP_MORE;
    }
    void *res = NULL;
    for (;;) {
        kk_job_wait w = kk_job_take(r->job, r->next, &res, 100);
        if (w == KK_JOB_READY)
            break;
        if (w == KK_JOB_FAILED) {
            r->next++;
            return STEP_MORE; /* as Kokoro-FastAPI: a failed chunk is logged and skipped */
        }
        if (w == KK_JOB_CANCELLED) {
            r->why = r->s->stopping ? "shutdown" : "cancelled";
            return STEP_ABORT;
        }
        if (r->s->stopping) {
            kk_job_cancel(r->job);
            r->why = "shutdown";
            return STEP_ABORT;
        }
        if (kk_now() > r->deadline) {
            kk_job_cancel(r->job);
            return STEP_TIMEOUT;
        }
        if (r->ctx.p.stream && r->req && kk_req_client_gone(r->req)) {
            kk_job_cancel(r->job);
            r->why = "client_gone";
            return STEP_ABORT;
        }
    }
    chunk_audio *a = res;
    r->next++;
    if (a) {
        if (r->ctx.p.captioned)
            add_timestamps(r, a);
        if (r->ctx.p.sse_words && emit_sse_words(r, a))
            r->oom = 1;
        if (r->timing_on)
            kk_timing_add(&r->timing, &r->ctx.p, a->index, r->audio_s,
                          r->audio_s + (double)a->n_speech / KOKORO_SAMPLE_RATE);
        r->tokens += a->n_tokens;
        if (a->n && kokoro_encoder_push(r->enc, a->samples, a->n, &err) != KOKORO_OK) {
            fprintf(stderr, "kokoro serve: encoding failed: %s\n", err.message);
            chunk_audio_free(a);
            kk_job_cancel(r->job);
            r->why = "encoder_error";
            return STEP_ABORT;
        }
        r->audio_s += (double)a->n / KOKORO_SAMPLE_RATE;
        chunk_audio_free(a);
    }
    if (r->req)
        r->req->audio_seconds = r->audio_s;
    if (r->ctx.p.captioned && r->ctx.p.stream && r->audio.len)
        if (emit_captioned(r, 1))
            r->oom = 1;
    if (r->ctx.p.sse && emit_sse_delta(r))
        r->oom = 1;
    if (r->oom)
        r->why = "out_of_memory";
    return r->oom ? STEP_ABORT : STEP_MORE;
}

static void run_free(void *arg)
{
    synth_run *r = arg;
    if (!r)
        return;
    /* A stream the server stopped between two reads (shutdown closing its connection while it
     * waited to send) is a cut too: say so, as run_read does for one it ends itself. */
    if (r->counted_stream && !r->ended && r->s->stopping) {
        fprintf(stderr, "kokoro serve: stream cut after %.1f s of audio: shutdown\n", r->audio_s);
        kk_metrics_stream_cut(&r->s->metrics);
    }
    kk_job_release(r->job);
    size_t still_held = kk_admission_release(&r->s->adm, &r->ctx.ticket);
    if (r->counted_stream)
        kk_metrics_streams(&r->s->metrics, -1);
    kokoro_encoder_free(r->enc);
    if (r->tee)
        fclose(r->tee);
    free(r->out.p);
    free(r->audio.p);
    cJSON_Delete(r->ts);
    kk_timing_free(&r->timing);
    kk_synth_params_free(&r->ctx.p);
    const kokoro_model *model = r->s->model;
    free(r);
    /* The last request out: hand the scratch the model keeps between calls and the heap that
     * bursts of work left free back to the system, so an idle server's RSS is what it holds,
     * not the high-water mark of every thread's arena. */
    if (still_held == 0) {
        kokoro_model_release_scratch(model);
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    }
}

static ssize_t run_read(void *arg, char *buf, size_t max)
{
    synth_run *r = arg;
    while (r->out_off == r->out.len) {
        r->out.len = r->out_off = 0;
        int st = step(r);
        if (st == STEP_DONE) {
            r->ended = 1;
            return 0;
        }
        if (st < 0) {
            r->ended = 1;
            /* Ending with an error drops the connection without the chunked terminator, which is
             * how the client can tell. A client that left is not a cut. */
            const char *why = r->why ? r->why : "error";
            if (strcmp(why, "client_gone") != 0) {
                fprintf(stderr, "kokoro serve: stream cut after %.1f s of audio: %s\n", r->audio_s, why);
                kk_metrics_stream_cut(&r->s->metrics);
            }
            return -1;
        }
    }
    size_t n = r->out.len - r->out_off;
    if (n > max)
        n = max;
    memcpy(buf, r->out.p + r->out_off, n);
    r->out_off += n;
    return (ssize_t)n;
}

void kk_synth_params_free(kk_synth_params *p)
{
    kokoro_voice_free(p->voice);
    if (p->chunks)
        kokoro_chunks_free(p->chunks, p->n_chunks);
    free(p->phonemes);
    free(p->input);
    for (size_t i = 0; i < p->n_voices; i++) {
        kokoro_voice_free(p->voices ? p->voices[i] : NULL);
        free(p->voice_names ? p->voice_names[i] : NULL);
    }
    free(p->voices);
    free(p->voice_names);
    free(p->chunk_voice);
    free(p->chunk_speed);
    free(p->turn_spans);
    memset(p, 0, sizeof *p);
}

static void set_retry_after(kk_req *req, double wait)
{
    char v[32];
    snprintf(v, sizeof v, "%d", wait < 1 ? 1 : (wait > 3600 ? 3600 : (int)ceil(wait)));
    kk_req_header(req, "Retry-After", v);
}

/* The request count is full: a slot frees when about one request's share of the queue is done. */
static void retry_after_slot(kk_server *s, kk_req *req)
{
    kk_admission_stats st;
    kk_admission_get(&s->adm, &st);
    set_retry_after(req, st.tickets ? st.queued_s / st.rate / (double)st.tickets : 1);
}

static double request_estimate(kk_server *s, const kk_synth_params *p)
{
    size_t n = 0;
    double pause = 0;
    if (p->phonemes)
        n = code_points(p->phonemes);
    for (size_t i = 0; !p->phonemes && i < p->n_chunks; i++) {
        n += code_points(p->chunks[i].phonemes);
        pause += p->chunks[i].pause_s;
    }
    return kk_admission_estimate(&s->adm, n, p->speed, pause);
}

static void respond_failed_step(kk_server *s, kk_req *req, int rc)
{
    if (rc == STEP_TIMEOUT) {
        kk_send_error(req, 503, "timeout", "synthesis did not finish within %g s", s->cfg->request_timeout_s);
    } else {
        kk_send_error(req, 503, s->stopping ? "shutting_down" : "processing_error",
                      s->stopping ? "the server is shutting down" : "synthesis was interrupted");
    }
}

void kk_synth_respond(kk_server *s, kk_req *req, kk_synth_params *p)
{
    synth_run *r = calloc(1, sizeof *r);
    if (!r) {
        kk_synth_params_free(p);
        kk_send_error(req, 500, "internal_error", "out of memory");
        return;
    }
    r->s = s;
    r->req = req;
    r->ctx.s = s;
    r->ctx.p = *p;
    memset(p, 0, sizeof *p);
    r->ctx.n_items = r->ctx.p.phonemes ? 1 : r->ctx.p.n_chunks;
    r->deadline = req->t_start + s->cfg->request_timeout_s;
    r->ts = cJSON_CreateArray();
    if (r->ctx.p.sse)
        r->ctx.p.stream = 1; /* events are meant to be read as they come */
    r->timing_on = r->ctx.p.timing && kk_timing_init(&r->timing, &r->ctx.p) == 0;

    kokoro_encoder_options eo;
    kokoro_encoder_options_init(&eo);
    eo.streaming = r->ctx.p.stream;
    eo.volume = r->ctx.p.volume * s->cfg->default_volume;
    kokoro_error err;
    kokoro_status st = kokoro_encoder_open(r->ctx.p.format, KOKORO_SAMPLE_RATE, &eo, encoder_sink, r, &r->enc, &err);
    if (st != KOKORO_OK) {
        if (st == KOKORO_ERR_UNSUPPORTED || st == KOKORO_ERR_INVALID_ARGUMENT)
            kk_send_error(req, 400, "validation_error", "response_format '%s' is not supported by this build: %s",
                          r->ctx.p.format_name, err.message);
        else
            kk_send_status_error(req, &err);
        run_free(r);
        return;
    }
    if (s->draining) {
        set_retry_after(req, 1);
        kk_req_header(req, "Connection", "close");
        kk_send_error(req, 503, "shutting_down", "the server is shutting down");
        run_free(r);
        return;
    }
    double est = request_estimate(s, &r->ctx.p), wait = 0;
    if (!kk_admission_admit(&s->adm, est, &r->ctx.ticket, &wait)) {
        kk_admission_stats as;
        kk_admission_get(&s->adm, &as);
        kk_metrics_busy(&s->metrics);
        set_retry_after(req, wait);
        kk_send_error(req, 503, "server_busy",
                      "the queue holds %.0f s of audio, about %.0f s of work; retry later", as.queued_s,
                      as.queued_s / as.rate);
        run_free(r);
        return;
    }
    size_t lookahead = (size_t)(s->cfg->workers > 2 ? s->cfg->workers : 2);
    kk_submit_status sub = kk_sched_submit(s->sched, r->ctx.n_items, lookahead, synth_work, chunk_audio_free,
                                           &r->ctx, &r->job);
    if (sub != KK_SUBMIT_OK) {
        if (sub == KK_SUBMIT_FULL) {
            kk_metrics_busy(&s->metrics);
            retry_after_slot(s, req);
            kk_send_error(req, 503, "server_busy", "all synthesis slots are taken; retry later");
        } else if (sub == KK_SUBMIT_CLOSED) {
            kk_send_error(req, 503, "shutting_down", "the server is shutting down");
        } else {
            kk_send_error(req, 500, "internal_error", "out of memory");
        }
        run_free(r);
        return;
    }

    char name[128] = "";
    if (r->ctx.p.download_link) {
        r->tee = kk_downloads_create(&s->downloads, r->ctx.p.format_name, name, sizeof name);
        if (r->tee) {
            char path[192];
            snprintf(path, sizeof path, "/download/%s", name);
            kk_req_header(req, "X-Download-Path", path);
            /* Kokoro-FastAPI's timing sidecar: written when the stream ends, 404 until then. */
            if (r->timing_on && r->ctx.p.stream &&
                snprintf(r->timing_name, sizeof r->timing_name, "%s.json", name) < (int)sizeof r->timing_name) {
                snprintf(path, sizeof path, "/download/%s", r->timing_name);
                kk_req_header(req, "X-Timing-Path", path);
            } else {
                r->timing_name[0] = '\0';
            }
        } else {
            kk_req_header(req, "X-Download-Status", "unavailable");
        }
    }
    const char *ctype = r->ctx.p.captioned ? "application/json"
                        : r->ctx.p.sse     ? "text/event-stream"
                                           : kk_format_mime(r->ctx.p.format);
    if (!r->ctx.p.captioned && !r->ctx.p.sse) {
        char disp[64];
        snprintf(disp, sizeof disp, "attachment; filename=speech.%s", r->ctx.p.format_name);
        kk_req_header(req, "Content-Disposition", disp);
    }
    kk_req_header(req, "Cache-Control", "no-cache");

    if (r->ctx.p.stream) {
        /* The first chunk is awaited here, before the status line: a request that cannot start
         * within REQUEST_TIMEOUT_S (or fails first) gets an error status instead of a 200 that
         * ends early. Once audio flows the deadline no longer applies; only the client can end
         * the stream by not reading. */
        r->counted_stream = 1; /* kokoro_active_streams counts it from admission on */
        kk_metrics_streams(&s->metrics, 1);
        int rc = STEP_MORE;
        while (r->next == 0 && !r->finished && (rc = step(r)) == STEP_MORE)
            ;
        if (rc < 0) {
            if (rc == STEP_TIMEOUT)
                set_retry_after(req, 1);
            respond_failed_step(s, req, rc);
            r->req = NULL;
            run_free(r);
            return;
        }
        r->deadline = HUGE_VAL;
        kk_req_header(req, "X-Accel-Buffering", "no");
        kk_req_respond_stream(req, 200, ctype, run_read, r, run_free);
        return;
    }
    int rc;
    while ((rc = step(r)) == STEP_MORE)
        ;
    if (rc < 0) {
        respond_failed_step(s, req, rc);
    } else if (r->ctx.p.captioned) {
        if (emit_captioned(r, 0))
            kk_send_error(req, 500, "internal_error", "out of memory");
        else
            kk_req_respond(req, 200, ctype, r->out.p, r->out.len);
    } else {
        if (r->timing_on) {
            /* Not streamed: the timing is known before the body goes out. */
            char *t = kk_timing_print(&r->timing, &r->ctx.p);
            if (t)
                kk_req_header(req, "X-Timing", t);
            free(t);
        }
        kk_req_respond(req, 200, ctype, r->out.p ? (const void *)r->out.p : "", r->out.len);
    }
    r->req = NULL;
    run_free(r);
}
