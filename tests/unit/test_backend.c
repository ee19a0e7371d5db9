/* The backend seam (engine/backend.h): KOKORO_DEVICE parsing at model load, and kokoro_synthesize
 * dispatching a call to a model's device backend (here a recording fake) with the framed token
 * ids, the voice row, the options and the injected harmonic spectrum, and returning its audio,
 * durations and errors unchanged. --dump-dir calls stay on the CPU engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/model.h"
#include "harness.h"
#include "model/voice.h"
#include "kokoro.h"

#define GOLDEN KOKORO_FIXTURES "/golden"

typedef struct {
    kk_backend base;
    int calls, T;
    int64_t ids[64];
    float ref0, speed;
    uint64_t seed;
    int zero_noise;
    size_t inject_n;
    float inject_first;
    kokoro_status fail;
} fake_backend;

static kokoro_status fake_forward(kk_backend *b, const kk_backend_call *c, kokoro_error *err)
{
    fake_backend *f = (fake_backend *)b;
    f->calls++;
    f->T = c->T;
    for (int i = 0; i < c->T && i < 64; i++)
        f->ids[i] = c->ids[i];
    f->ref0 = c->ref_s[0];
    f->speed = c->speed;
    f->seed = c->seed;
    f->zero_noise = c->zero_noise;
    f->inject_n = c->inject_n;
    f->inject_first = c->inject_mag ? c->inject_mag[0] : 0.0f;
    if (f->fail != KOKORO_OK) {
        err->code = f->fail;
        snprintf(err->message, sizeof err->message, "fake device failure");
        return f->fail;
    }
    size_t n = 0;
    for (int t = 0; t < c->T; t++) {
        c->pred_dur[t] = 2;
        n += 2 * 600;
    }
    float *a = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        a[i] = 0.25f;
    *c->audio = a;
    *c->n_samples = n;
    if (c->device_bytes)
        *c->device_bytes = 12345;
    return KOKORO_OK;
}

static void fake_destroy(kk_backend *b)
{
    (void)b; /* owned by the test */
}

static void test_device_env(void)
{
    kokoro_model *m = NULL;
    kokoro_error err;
    setenv("KOKORO_DEVICE", "tpu", 1);
    kokoro_status st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &m, &err);
    CHECK(st == KOKORO_ERR_INVALID_ARGUMENT && m == NULL);
    CHECK(strstr(err.message, "KOKORO_DEVICE") != NULL);
    char d[320];
    kk_backend_describe(d, sizeof d);
    CHECK(strstr(d, "invalid") != NULL);

    setenv("KOKORO_DEVICE", "cpu", 1);
    st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &m, &err);
    CHECK(st == KOKORO_OK && m && m->backend == NULL);
    kokoro_model_free(m);
    kk_backend_describe(d, sizeof d);
    CHECK(strncmp(d, "cpu", 3) == 0);
    /* asked for CUDA, a CPU build or a machine without a GPU runs on the CPU (one log line) */
    setenv("KOKORO_DEVICE", "cuda", 1);
    st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &m, &err);
    CHECK(st == KOKORO_OK && m && (m->backend == NULL || strcmp(m->backend->name, "cuda") == 0));
    kokoro_model_free(m);
    unsetenv("KOKORO_DEVICE");
}

int main(void)
{
    test_device_env();

    kokoro_model *m = NULL;
    kokoro_voice *v = NULL;
    kokoro_error err;
    setenv("KOKORO_DEVICE", "cpu", 1);
    CHECK(kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &m, &err) == KOKORO_OK);
    CHECK(kokoro_voice_load(GOLDEN "/voices/tv_alpha.pt", &v, &err) == KOKORO_OK);
    if (!m || !v)
        return HARNESS_RETURN();
    fake_backend fb;
    memset(&fb, 0, sizeof fb);
    fb.base.name = "fake";
    fb.base.forward = fake_forward;
    fb.base.destroy = fake_destroy;
    m->backend = &fb.base;

    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    opt.speed = 1.25f;
    opt.seed = 99;
    kokoro_audio a;
    kokoro_status st = kokoro_synthesize(m, v, "hɛlO", &opt, &a, &err);
    CHECK(st == KOKORO_OK && fb.calls == 1);
    if (st == KOKORO_OK) {
        /* 4 phonemes framed by the pad id on both sides */
        CHECK(fb.T == 6 && fb.ids[0] == 0 && fb.ids[5] == 0 && fb.ids[1] != 0);
        CHECK(a.n_tokens == 6 && a.n_samples == 6 * 1200 && a.frame_samples == 600);
        CHECK(a.durations[0] == 2 && a.samples[0] == 0.25f);
        CHECK(fb.speed == 1.25f && fb.seed == 99 && fb.zero_noise == 0 && fb.inject_n == 0);
        /* the voice row for 4 code points: row 3 of the pack (kk_voice_row) */
        CHECK(fb.ref0 == v->data[3 * (size_t)v->dim]);
        kokoro_audio_free(&a);
    }

    /* the golden harmonic spectrum is read on the host and handed over */
    opt.inject_har_dir = GOLDEN "/cases/a_short";
    st = kokoro_synthesize(m, v, "hɛlO", &opt, &a, &err);
    CHECK(st == KOKORO_OK && fb.calls == 2 && fb.inject_n > 0 && fb.inject_first != 0.0f);
    if (st == KOKORO_OK)
        kokoro_audio_free(&a);
    opt.inject_har_dir = KOKORO_TEST_TMP "/no-such-dir";
    st = kokoro_synthesize(m, v, "hɛlO", &opt, &a, &err);
    CHECK(st != KOKORO_OK && fb.calls == 2);
    opt.inject_har_dir = NULL;

    /* a device error comes back as it was */
    fb.fail = KOKORO_ERR_NO_MEMORY;
    st = kokoro_synthesize(m, v, "hɛlO", &opt, &a, &err);
    CHECK(st == KOKORO_ERR_NO_MEMORY && strstr(err.message, "fake device") != NULL);
    CHECK(fb.calls == 3);
    fb.fail = KOKORO_OK;

    /* --dump-dir runs the CPU engine */
    opt.dump_dir = KOKORO_TEST_TMP "/backend_dump";
    opt.zero_noise = 1;
    st = kokoro_synthesize(m, v, "hɛlO", &opt, &a, &err);
    CHECK(st == KOKORO_OK && fb.calls == 3);
    if (st == KOKORO_OK) {
        CHECK(a.n_samples > 0 && a.samples[0] != 0.25f);
        kokoro_audio_free(&a);
    }
    m->backend = NULL;
    kokoro_model_free(m);
    kokoro_voice_free(v);
    unsetenv("KOKORO_DEVICE");
    return HARNESS_RETURN();
}
