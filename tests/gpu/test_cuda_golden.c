/* The golden cases (tests/fixtures/golden) on the CUDA backend, and the CUDA backend against the
 * CPU engine on the same inputs:
 *  - pred_dur: identical to the golden durations;
 *  - with the golden harmonic spectrum injected: audio max|err| <= 1e-4 * max|golden| (the bound
 *    of the CPU golden test for the generator tail);
 *  - own source, zero noise: same length, finite, RMS within 10 % of the golden audio;
 *  - seeded noise (seed 7): CUDA audio vs CPU audio max|err| <= 1e-3 * max|cpu| (same RNG
 *    streams on both backends).
 * The CPU engine's intermediate tensors are checked by test_golden; the CUDA backend has no
 * --dump-dir, so its front end is checked through the durations and the audio it shapes.
 * Without a usable CUDA device the test exits 77 (reported as skipped by CTest). */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/backend.h"
#include "engine/model.h"
#include "harness.h"
#include "kokoro.h"
#include "util/npy.h"

#define GOLDEN KOKORO_FIXTURES "/golden"

static int load_npy(const char *dir, const char *name, kk_npy *a)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    kokoro_error e;
    if (kk_npy_read(path, a, &e) != KOKORO_OK) {
        fprintf(stderr, "  %s\n", e.message);
        return -1;
    }
    return 0;
}

static double max_err(const float *a, const float *b, size_t n, double *mx)
{
    double err = 0.0;
    *mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        err = d > err || d != d ? d : err;
        *mx = fabs(b[i]) > *mx ? fabs(b[i]) : *mx;
    }
    return err;
}

static void run_case(const kokoro_model *gpu, const kokoro_model *cpu, const char *cname)
{
    char dir[1024], cj[1100];
    snprintf(dir, sizeof dir, GOLDEN "/cases/%s", cname);
    snprintf(cj, sizeof cj, "%s/case.json", dir);
    char *text = harness_read_file(cj);
    cJSON *cs = text ? cJSON_Parse(text) : NULL;
    free(text);
    CHECK_MSG(cs != NULL, "%s: case.json", cname);
    if (!cs)
        return;
    const char *phon = cJSON_GetStringValue(cJSON_GetObjectItem(cs, "phonemes"));
    const char *vexpr = cJSON_GetStringValue(cJSON_GetObjectItem(cs, "voice"));
    cJSON *sp = cJSON_GetObjectItem(cs, "speed");
    kokoro_error err;
    kokoro_voice *voice = NULL;
    if (!phon || !vexpr || kokoro_voice_resolve(GOLDEN "/voices", vexpr, &voice, &err) != KOKORO_OK) {
        CHECK_MSG(0, "%s: voice", cname);
        cJSON_Delete(cs);
        return;
    }
    printf("case %s\n", cname);
    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    opt.speed = sp ? (float)sp->valuedouble : 1.0f;
    opt.zero_noise = 1;
    kk_npy gd, ga;
    int have = load_npy(dir, "pred_dur", &gd) == 0;
    int have_a = load_npy(dir, "audio", &ga) == 0;
    kokoro_audio a;
    kokoro_status st = kokoro_synthesize(gpu, voice, phon, &opt, &a, &err);
    CHECK_MSG(st == KOKORO_OK, "%s: CUDA synthesis: %s", cname, err.message);
    if (st == KOKORO_OK) {
        if (have) {
            int same = gd.numel == a.n_tokens;
            for (size_t i = 0; same && i < gd.numel; i++)
                same = ((const int64_t *)gd.data)[i] == a.durations[i];
            printf("  pred_dur %s\n", same ? "identical" : "DIFFERENT");
            CHECK_MSG(same, "%s: durations differ from the golden ones", cname);
        }
        if (have_a) {
            double e = 0, eg = 0;
            int finite = 1;
            for (size_t i = 0; i < a.n_samples; i++) {
                finite &= isfinite(a.samples[i]) != 0;
                e += (double)a.samples[i] * a.samples[i];
            }
            for (size_t i = 0; i < ga.numel; i++)
                eg += (double)((const float *)ga.data)[i] * ((const float *)ga.data)[i];
            double rms = sqrt(e / (a.n_samples ? a.n_samples : 1)), rg = sqrt(eg / ga.numel);
            printf("  audio (own source): %zu samples (golden %zu), RMS %.5f vs %.5f\n",
                   a.n_samples, ga.numel, rms, rg);
            CHECK(a.n_samples == ga.numel && finite);
            CHECK_MSG(fabs(rms - rg) <= 0.10 * rg, "%s: RMS %g vs %g", cname, rms, rg);
        }
        kokoro_audio_free(&a);
    }
    char p[1100];
    struct stat sb;
    snprintf(p, sizeof p, "%s/dbg_gen_har_spec.npy", dir);
    if (have_a && stat(p, &sb) == 0) {
        opt.inject_har_dir = dir;
        st = kokoro_synthesize(gpu, voice, phon, &opt, &a, &err);
        CHECK_MSG(st == KOKORO_OK, "%s: CUDA synthesis (injected): %s", cname, err.message);
        if (st == KOKORO_OK && a.n_samples == ga.numel) {
            double mx, e = max_err(a.samples, ga.data, ga.numel, &mx);
            printf("  audio (golden source injected) max|err| %.3g = %.2e x max|golden| (bound 1e-4)\n",
                   e, e / mx);
            CHECK_MSG(e <= 1e-4 * mx, "%s: injected audio error %g", cname, e / mx);
        } else if (st == KOKORO_OK) {
            CHECK_MSG(0, "%s: injected audio has %zu samples, golden %zu", cname, a.n_samples,
                      ga.numel);
        }
        if (st == KOKORO_OK)
            kokoro_audio_free(&a);
        opt.inject_har_dir = NULL;
    }
    /* seeded noise: both backends draw the same streams */
    opt.zero_noise = 0;
    opt.seed = 7;
    kokoro_audio c;
    st = kokoro_synthesize(gpu, voice, phon, &opt, &a, &err);
    kokoro_status st2 = kokoro_synthesize(cpu, voice, phon, &opt, &c, &err);
    CHECK(st == KOKORO_OK && st2 == KOKORO_OK);
    if (st == KOKORO_OK && st2 == KOKORO_OK) {
        CHECK(a.n_samples == c.n_samples);
        if (a.n_samples == c.n_samples) {
            double mx, e = max_err(a.samples, c.samples, c.n_samples, &mx);
            printf("  seed 7: CUDA vs CPU max|err| %.3g = %.2e x max|cpu| (bound 1e-3)\n", e,
                   e / mx);
            CHECK_MSG(e <= 1e-3 * mx, "%s: CUDA vs CPU %g", cname, e / mx);
        }
    }
    if (st == KOKORO_OK)
        kokoro_audio_free(&a);
    if (st2 == KOKORO_OK)
        kokoro_audio_free(&c);
    if (have)
        kk_npy_free(&gd);
    if (have_a)
        kk_npy_free(&ga);
    kokoro_voice_free(voice);
    cJSON_Delete(cs);
}

int main(void)
{
    kokoro_model *gpu = NULL, *cpu = NULL;
    kokoro_error err;
    setenv("KOKORO_DEVICE", "cpu", 1);
    kokoro_status st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &cpu, &err);
    CHECK_MSG(st == KOKORO_OK, "CPU model load: %s", err.message);
    setenv("KOKORO_DEVICE", "cuda", 1);
    if (st == KOKORO_OK)
        st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &gpu, &err);
    CHECK_MSG(st == KOKORO_OK, "CUDA model load: %s", err.message);
    if (st != KOKORO_OK) {
        kokoro_model_free(cpu);
        return HARNESS_RETURN();
    }
    if (!gpu->backend) {
        printf("no usable CUDA device: skipped\n");
        kokoro_model_free(cpu);
        kokoro_model_free(gpu);
        return 77;
    }
    printf("backend: %s\n", gpu->backend->description);
    DIR *d = opendir(GOLDEN "/cases");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        char p[1024];
        struct stat sb;
        snprintf(p, sizeof p, GOLDEN "/cases/%s/case.json", e->d_name);
        if (e->d_name[0] != '.' && stat(p, &sb) == 0) {
            run_case(gpu, cpu, e->d_name);
            n++;
        }
    }
    if (d)
        closedir(d);
    CHECK_MSG(n >= 5, "found %d golden cases", n);
    kokoro_model_free(gpu);
    kokoro_model_free(cpu);
    return HARNESS_RETURN();
}
