/* The public model and synthesis API, and the forward pass in model order. */
#include "engine/model.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/backend.h"
#include "engine/forward.h"
#include "engine/scratch_cache.h"
#include "model/voice.h"
#include "nn/parallel.h"
#include "text/tokenizer.h"
#include "util/error.h"
#include "util/npy.h"

const char *const kk_timer_names[KK_T_COUNT] = {
    "albert", "prosody", "f0n", "text_encoder", "decoder", "source", "generator", "istft",
};

double kk_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------ loading */

static const float *ckpt_get(void *ctx, const char *name, int ndim, const int64_t *shape,
                             int64_t *actual, int optional, kokoro_error *err)
{
    const kk_checkpoint *ck = ctx;
    if (optional && !kk_checkpoint_find(ck, name))
        return NULL;
    const kk_tensor *t = kk_checkpoint_expect(ck, name, ndim, shape, err);
    if (!t)
        return NULL;
    if (actual)
        for (int i = 0; i < ndim; i++)
            actual[i] = t->shape[i];
    return t->data;
}

static void ckpt_release(void *ctx, const float *data)
{
    kk_checkpoint_release(ctx, data);
}

kokoro_status kokoro_model_load(const char *model_path, const char *config_path,
                                kokoro_model **out, kokoro_error *err)
{
    kk_error_clear(err);
    if (!model_path || !out)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "kokoro_model_load: NULL argument");
    *out = NULL;
    struct stat st_model;
    if (stat(model_path, &st_model) != 0)
        return kk_fail(err, KOKORO_ERR_NOT_FOUND, "model file %s: %s", model_path, strerror(errno));
    char cfg_path[4096];
    if (!config_path) {
        const char *slash = strrchr(model_path, '/');
        int dir_len = slash ? (int)(slash - model_path) : 1;
        snprintf(cfg_path, sizeof cfg_path, "%.*s/config.json", dir_len, slash ? model_path : ".");
        config_path = cfg_path;
    }
    kk_config *cfg = malloc(sizeof *cfg);
    kokoro_model *m = calloc(1, sizeof *m);
    if (!cfg || !m) {
        free(cfg);
        free(m);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory loading the model");
    }
    kokoro_status st = kk_config_load(config_path, cfg, err);
    if (st == KOKORO_OK)
        st = kk_checkpoint_load(model_path, &m->ckpt, err);
    if (st == KOKORO_OK) {
        kk_blas_single_threaded(); /* libkokoro parallelises itself, per call */
        kk_weight_source src = {ckpt_get, m->ckpt, ckpt_release};
        st = kk_weights_build(&m->w, cfg, &src, err);
        if (st == KOKORO_OK)
            st = kk_weights_prepare_fast(&m->w, kk_fast_spectra_budget(), err);
        if (st == KOKORO_OK)
            st = kk_backend_select(&m->w, &m->backend, err);
        if (st == KOKORO_OK && !m->backend)
            st = kk_weights_prepack(&m->w, &src, err);
        if (st == KOKORO_OK)
            m->scratch = kk_scratch_cache_new(kk_scratch_cache_default_cap(), KK_SCRATCH_MAX_REGION);
    }
    free(cfg);
    if (st != KOKORO_OK) {
        kokoro_model_free(m);
        return st;
    }
    *out = m;
    return KOKORO_OK;
}

void kokoro_model_free(kokoro_model *model)
{
    if (!model)
        return;
    kk_backend_free(model->backend);
    kk_scratch_cache_free(model->scratch);
    kk_weights_free_bf16(&model->w);
    kk_weights_free_fast(&model->w);
    kk_weights_free_prepack(&model->w);
    kk_checkpoint_free(model->ckpt);
    for (size_t i = 0; i < model->n_owned; i++)
        free(model->owned[i]);
    free(model->owned);
    free(model);
}

void kokoro_model_release_scratch(const kokoro_model *model)
{
    if (model)
        kk_scratch_cache_flush(model->scratch);
}

kokoro_status kokoro_tokenize(const kokoro_model *model, const char *phonemes, int64_t **ids,
                              size_t *n_ids, kokoro_error *err)
{
    kk_error_clear(err);
    if (!model || !phonemes || !ids || !n_ids)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "kokoro_tokenize: NULL argument");
    return kk_tokenize(&model->w.cfg, phonemes, ids, n_ids, NULL, err);
}

/* ------------------------------------------------------------------ per-call state helpers */

void kk_dump(kk_forward *f, const char *name, const void *data, int is_int, int ndim, ...)
{
    if (!f->opt->dump_dir || f->dump_status != KOKORO_OK)
        return;
    int64_t shape[8];
    va_list ap;
    va_start(ap, ndim);
    for (int i = 0; i < ndim && i < 8; i++)
        shape[i] = va_arg(ap, int);
    va_end(ap);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", f->opt->dump_dir, name);
    kokoro_error e;
    f->dump_status = kk_npy_write(path, is_int ? KK_NPY_I64 : KK_NPY_F32, ndim, shape, data, &e);
    if (f->dump_status != KOKORO_OK)
        kk_fail(f->err, f->dump_status, "%s", e.message);
}

void kk_dump_transposed(kk_forward *f, const char *name, const float *x, int T, int C)
{
    if (!f->opt->dump_dir)
        return;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *y = kk_arena_floats(&f->arena, (size_t)T * C);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++)
            y[(size_t)c * T + t] = x[(size_t)t * C + c];
    kk_dump(f, name, y, 0, 3, 1, C, T);
    kk_arena_release(&f->arena, m);
}

/* ------------------------------------------------------------------ the forward pass */

/* Moves *a (na floats) and *b (nb floats) out of the arena's stack into buffers of their own and
 * releases the stack to m: the generator's peak then holds no dead text-side tensors, and it frees
 * these two as soon as it has read them. */
static void move_out(kk_forward *f, kk_arena_mark_t m, float **a, size_t na, float **b, size_t nb)
{
    float *ma = kk_arena_big_alloc(&f->arena, na * sizeof(float));
    float *mb = kk_arena_big_alloc(&f->arena, nb * sizeof(float));
    memcpy(ma, *a, na * sizeof(float));
    memcpy(mb, *b, nb * sizeof(float));
    kk_arena_release(&f->arena, m);
    *a = ma;
    *b = mb;
}

kokoro_status kk_forward_run(kk_forward *f, const int64_t *ids, int T, const float *ref_s,
                             float speed, float **audio_out, size_t *n_samples, int32_t *pred_dur)
{
    const kk_weights *w = f->w;
    int D = w->cfg.hidden_dim, S = w->cfg.style_dim;
    const float *s_dec = ref_s, *s_pred = ref_s + S;
    jmp_buf on_oom;
    f->arena.on_fail = &on_oom;
    if (setjmp(on_oom)) {
        f->arena.on_fail = NULL;
        return kk_fail(f->err, KOKORO_ERR_NO_MEMORY, "out of memory during synthesis");
    }
    if (f->opt->dump_dir && mkdir(f->opt->dump_dir, 0777) != 0 && errno != EEXIST)
        return kk_fail(f->err, KOKORO_ERR_IO, "cannot create dump directory %s: %s",
                       f->opt->dump_dir, strerror(errno));
    kk_dump(f, "input_ids", ids, 1, 2, 1, T);
    kk_dump(f, "ref_s", ref_s, 0, 2, 1, 2 * S);

    kk_arena_mark_t m_start = kk_arena_mark(&f->arena);
    double t0 = kk_wall_seconds();
    float *bert = kk_albert(f, ids, T);
    kk_dump(f, "bert_out", bert, 0, 3, 1, T, w->bert.hidden);
    f->seconds[KK_T_ALBERT] += kk_wall_seconds() - t0;

    t0 = kk_wall_seconds();
    float *d = kk_duration_encoder(f, bert, T, s_pred);
    int F = kk_predict_durations(f, d, T, speed, pred_dur);
    f->seconds[KK_T_PROSODY] += kk_wall_seconds() - t0;

    t0 = kk_wall_seconds();
    float *en = kk_arena_floats(&f->arena, (size_t)(D + S) * F);
    kk_expand_tokens(d, T, D + S, pred_dur, F, en);
    kk_dump(f, "en", en, 0, 3, 1, D + S, F);
    float *F0 = kk_arena_floats(&f->arena, 2 * (size_t)F);
    float *N = kk_arena_floats(&f->arena, 2 * (size_t)F);
    kk_f0n(f, en, F, s_pred, F0, N);
    f->seconds[KK_T_F0N] += kk_wall_seconds() - t0;

    t0 = kk_wall_seconds();
    float *t_en = kk_text_encoder(f, ids, T);
    float *asr = kk_arena_floats(&f->arena, (size_t)D * F);
    for (int c = 0; c < D; c++) {
        float *row = asr + (size_t)c * F;
        for (int t = 0, k = 0; t < T; t++)
            for (int r = 0; r < pred_dur[t]; r++)
                row[k++] = t_en[(size_t)c * T + t];
    }
    kk_dump(f, "asr", asr, 0, 3, 1, D, F);
    f->seconds[KK_T_TEXT_ENCODER] += kk_wall_seconds() - t0;

    t0 = kk_wall_seconds();
    float *x = kk_decoder(f, asr, F0, N, F, s_dec);
    f->seconds[KK_T_DECODER] += kk_wall_seconds() - t0;
    move_out(f, m_start, &x, (size_t)w->cfg.upsample_initial_channel * 2 * F, &F0, 2 * (size_t)F);

    float *audio = kk_generator(f, x, F0, F, s_dec);
    f->arena.on_fail = NULL;
    if (!audio)
        return f->err && f->err->code != KOKORO_OK ? f->err->code : KOKORO_ERR_INTERNAL;
    if (f->dump_status != KOKORO_OK)
        return f->dump_status;
    size_t L = (size_t)2 * F * (size_t)(w->cfg.istft_hop);
    for (int i = 0; i < w->cfg.n_upsamples; i++)
        L *= (size_t)w->cfg.upsample_rates[i];
    float *o = malloc(L * sizeof(float));
    if (o)
        memcpy(o, audio, L * sizeof(float));
    kk_arena_big_free(&f->arena, audio);
    if (!o)
        return kk_fail(f->err, KOKORO_ERR_NO_MEMORY, "out of memory for %zu samples", L);
    *audio_out = o;
    *n_samples = L;
    return KOKORO_OK;
}

/* ------------------------------------------------------------------ public synthesis */

kokoro_status kokoro_pool_new(int threads, kokoro_pool **out, kokoro_error *err)
{
    *out = NULL;
    if (threads < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "threads must be >= 0, got %d", threads);
    if (threads == 0)
        threads = kk_default_threads();
    *out = kk_pool_new(threads - 1);
    if (!*out)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    return KOKORO_OK;
}

void kokoro_pool_free(kokoro_pool *pool)
{
    kk_pool_free(pool);
}

void kokoro_synth_options_init(kokoro_synth_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->speed = 1.0f;
}

/* kk_synthesize_timed on the model's device backend; takes ownership of dur. */
/* The result of a forward pass as the caller sees it; takes ownership of audio and dur. */
static void fill_audio(kokoro_audio *out, float *audio, size_t n, int32_t *dur, int T)
{
    out->samples = audio;
    out->n_samples = n;
    out->durations = dur;
    out->n_tokens = (size_t)T;
    int frames = 0;
    for (int i = 0; i < T; i++)
        frames += dur[i];
    out->frame_samples = frames ? (int)(n / (size_t)frames) : 0;
}

static kokoro_status backend_synthesize(const kokoro_model *model, const kokoro_synth_options *opt,
                                        const int64_t *ids, int T, const float *ref_s,
                                        int32_t *dur, kokoro_audio *out, double *seconds,
                                        size_t *device_bytes, kokoro_error *err)
{
    float *audio = NULL;
    size_t n = 0;
    if (seconds)
        memset(seconds, 0, sizeof(double) * KK_T_COUNT);
    kokoro_status st = kk_backend_run(model->backend, opt, ids, T, ref_s, &audio, &n, dur,
                                      seconds, device_bytes, err);
    if (st != KOKORO_OK) {
        free(dur);
        return st;
    }
    fill_audio(out, audio, n, dur, T);
    return KOKORO_OK;
}

kokoro_status kk_synthesize_timed(const kokoro_model *model, const kokoro_voice *voice,
                                  const char *phonemes, const kokoro_synth_options *opt_in,
                                  kokoro_audio *out, double *seconds, size_t *arena_bytes,
                                  kokoro_error *err)
{
    kk_error_clear(err);
    if (!model || !voice || !phonemes || !out)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "kokoro_synthesize: NULL argument");
    memset(out, 0, sizeof *out);
    kokoro_synth_options defaults;
    kokoro_synth_options_init(&defaults);
    const kokoro_synth_options *opt = opt_in ? opt_in : &defaults;
    if (!(opt->speed > 0.0f) || !isfinite(opt->speed))
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "speed must be a positive number, got %g",
                       (double)opt->speed);
    if (opt->precision != KOKORO_PRECISION_FP32 && opt->precision != KOKORO_PRECISION_BF16)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "precision must be KOKORO_PRECISION_FP32 or _BF16, got %d", opt->precision);
    const kk_weights *w = &model->w;
    if (voice->dim != 2 * w->cfg.style_dim || voice->rows < 1 || !voice->data)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "voice has %d values per row, the model needs %d", voice->dim,
                       2 * w->cfg.style_dim);

    int64_t *tok = NULL;
    size_t n_tok = 0, n_cp = 0;
    kokoro_status st = kk_tokenize(&w->cfg, phonemes, &tok, &n_tok, &n_cp, err);
    if (st != KOKORO_OK)
        return st;
    size_t max_tok = KOKORO_MAX_PHONEMES;
    if ((size_t)w->bert.max_pos - 2 < max_tok)
        max_tok = (size_t)w->bert.max_pos - 2;
    if (n_tok > max_tok) {
        free(tok);
        return kk_fail(err, KOKORO_ERR_TOO_LONG,
                       "phoneme string has %zu tokens; the model takes at most %zu per call", n_tok,
                       max_tok);
    }
    if (n_tok == 0) {
        free(tok);
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "phoneme string has no symbol of the model vocabulary");
    }
    int T = (int)n_tok + 2;
    int64_t *ids = malloc(sizeof(int64_t) * T);
    int32_t *dur = malloc(sizeof(int32_t) * T);
    kk_forward *f = calloc(1, sizeof *f);
    if (!ids || !dur || !f) {
        free(tok);
        free(ids);
        free(dur);
        free(f);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    ids[0] = 0;
    memcpy(ids + 1, tok, sizeof(int64_t) * n_tok);
    ids[T - 1] = 0;
    free(tok);

    if (model->backend && !opt->dump_dir) {
        /* The device backend runs the whole pass; --dump-dir stays a CPU-engine feature. */
        free(f);
        st = backend_synthesize(model, opt, ids, T, kk_voice_row(voice, n_cp), dur, out, seconds,
                                arena_bytes, err);
        free(ids);
        return st;
    }
    f->w = w;
    f->opt = opt;
    f->err = err;
    /* The call's parallel work runs on the caller's pool, or on one started for this call
     * alone (threads are started once per call, not per parallel step). */
    kk_pool *own = NULL, *pool = opt->pool;
    if (pool)
        f->threads = opt->threads > 0 ? opt->threads : kk_pool_workers(pool) + 1;
    else {
        f->threads = opt->threads > 0 ? opt->threads : kk_default_threads();
        if (f->threads > 1)
            pool = own = kk_pool_new(f->threads - 1);
    }
    kk_pool *prev = kk_pool_attach(pool);
    kk_arena_init(&f->arena, model->scratch);
    const float *ref_s = kk_voice_row(voice, n_cp);
    float *audio = NULL;
    size_t n = 0;
    st = kk_forward_run(f, ids, T, ref_s, opt->speed, &audio, &n, dur);
    kk_pool_attach(prev);
    kk_pool_free(own);
    if (seconds)
        memcpy(seconds, f->seconds, sizeof f->seconds);
    if (arena_bytes)
        *arena_bytes = f->arena.peak;
    kk_arena_free(&f->arena);
    free(f);
    free(ids);
    if (st != KOKORO_OK) {
        free(dur);
        return st;
    }
    fill_audio(out, audio, n, dur, T);
    return KOKORO_OK;
}

kokoro_status kokoro_synthesize(const kokoro_model *model, const kokoro_voice *voice,
                                const char *phonemes, const kokoro_synth_options *opt,
                                kokoro_audio *out, kokoro_error *err)
{
    return kk_synthesize_timed(model, voice, phonemes, opt, out, NULL, NULL, err);
}

void kokoro_audio_free(kokoro_audio *audio)
{
    if (!audio)
        return;
    free(audio->samples);
    free(audio->durations);
    memset(audio, 0, sizeof *audio);
}
